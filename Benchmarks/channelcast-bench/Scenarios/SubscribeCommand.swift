import ArgumentParser
import Foundation
import ZeroMQ

/// How many subscribe and unsubscribe operations per second the daemon takes from one and from
/// several pipelining clients: what bounds a gateway's sign-up storms.
struct SubscribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subscribe",
    abstract: "Subscribe and unsubscribe operations per second from pipelining clients.",
    discussion: """
      For each client count, per run: the clients (each its own thread and DEALER) send \
      --operations single-user subscribeOfficialAccount requests between them, --window in \
      flight each, every user distinct, spread over --channels channels; then, once the \
      daemon's fan-out queues are empty again, unsubscribe them all the same way. Each phase \
      is timed from the common start to the last reply; a failed request fails the run.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Operations per phase, split evenly among the clients.")
  var operations = 200_000

  @Option(
    help: "Client counts to measure, comma-separated.",
    transform: { text in
      try text.split(separator: ",").map {
        guard let count = Int($0.trimmingCharacters(in: .whitespaces)), count >= 1 else {
          throw ValidationError("--clients takes positive numbers separated by commas")
        }
        return count
      }
    })
  var clients = [1, 4]

  @Option(help: "Channels the users subscribe to.") var channels = 100
  @Option(help: "Requests in flight per client.") var window = 256

  func validate() throws {
    guard operations >= 1, channels >= 1, window >= 1 else {
      throw ValidationError("--operations, --channels and --window must be positive")
    }
    guard let most = clients.max(), most <= operations else {
      throw ValidationError("--clients needs at least one count, none above --operations")
    }
  }

  func run() throws {
    let daemon = try daemonOptions.startDaemon()
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let prefix = "@TOA#_subscribe-\(UInt32.random(in: 0...UInt32.max))-"
    let channelIDs = (0..<channels).map { prefix + String($0) }
    for channel in channelIDs {
      try population.createChannel(channel, maxSubscriberCount: operations)
    }
    let baseline = try DaemonStats(population: population).subscriptions
    var recorder = RunRecorder()
    for clientCount in clients {
      let perClient = operations / clientCount
      for _ in 0..<daemonOptions.runs {
        for (op, name) in [
          ("subscribeOfficialAccount", "subscribe"), ("unsubscribeOfficialAccount", "unsubscribe"),
        ] {
          try DaemonStats.waitUntilIdle(
            population: population, deadline: Deadline("fan-out queues emptying", seconds: 60))
          let perSecond = try measure(
            op, clients: clientCount, perClient: perClient, channelIDs: channelIDs,
            endpoint: daemon.commandEndpoint, context: context)
          recorder.record(
            "\(name), \(clientCount) client\(clientCount == 1 ? "" : "s")", perSecond,
            unit: "ops/s")
        }
        let remaining = try DaemonStats(population: population).subscriptions - baseline
        guard remaining == 0 else {
          throw BenchmarkError("\(remaining) subscriptions left after unsubscribing them all")
        }
      }
    }
    try Report(
      scenario: "subscribe", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging([
        "operations": String(operations), "channels": String(channels),
        "window": String(window),
      ]) { $1 },
      figures: recorder.figures,
      notes: [
        "single-user requests; each subscribe also queues an officialAccountSubscribed event "
          + "(no consumer is connected)"
      ]
    ).publish(jsonPath: daemonOptions.json)
  }

  /// Runs one phase on `clients` threads and returns operations per second.
  private func measure(
    _ op: String, clients: Int, perClient: Int, channelIDs: [String], endpoint: String,
    context: ZMQContext
  ) throws -> Double {
    let subscribers = (0..<clients).map { client in
      PipelinedSubscriber(
        client: client, op: op, users: 0..<perClient, channelIDs: channelIDs, window: window,
        endpoint: endpoint, context: context)
    }
    for subscriber in subscribers { subscriber.waitUntilConnected() }
    let start = MonotonicClock.nanoseconds()
    for subscriber in subscribers { subscriber.start() }
    let outcomes = try subscribers.map { try $0.finish() }
    if let failed = outcomes.first(where: { $0.failures > 0 }) {
      throw BenchmarkError(
        "\(outcomes.reduce(0) { $0 + $1.failures }) \(op) requests failed, the first: "
          + (failed.firstFailure ?? "?"))
    }
    let end = outcomes.map(\.finished).max() ?? start
    return Double(clients * perClient) / (Double(end - start) / 1e9)
  }
}
