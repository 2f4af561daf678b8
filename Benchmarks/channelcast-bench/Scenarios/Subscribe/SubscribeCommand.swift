import ArgumentParser
import ChannelCastProtocol
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
      is timed from the common start to the last reply; a failed request fails the run, and \
      `stats` must count no subscription left after it.

      With --compare-fsync, the same measurement on two daemons started side by side, one with \
      --fsync always (fdatasync before each run of replies) and one with --fsync everysec, \
      alternating which goes first from run to run, and the ratio everysec / always of each \
      run's rates: what it costs to acknowledge a subscribe only once it is on disk.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Operations per phase, split evenly among the clients.")
  var operations = 200_000

  @Option(
    help: "Client counts to measure, comma-separated (default: 1,4; with --compare-fsync: 1).",
    transform: { text in
      try text.split(separator: ",").map {
        guard let count = Int($0.trimmingCharacters(in: .whitespaces)), count >= 1 else {
          throw ValidationError("--clients takes positive numbers separated by commas")
        }
        return count
      }
    })
  var clients: [Int]?

  @Option(help: "Channels the users subscribe to.") var channels = 100
  @Option(help: "Requests in flight per client.") var window = 256

  @Flag(
    help: """
      Measure with --fsync always and with --fsync everysec (a daemon each, --fsync ignored) \
      and report everysec / always.
      """)
  var compareFsync = false

  private var clientCounts: [Int] { clients ?? (compareFsync ? [1] : [1, 4]) }

  func validate() throws {
    guard operations >= 1, channels >= 1, window >= 1 else {
      throw ValidationError("--operations, --channels and --window must be positive")
    }
    guard let most = clientCounts.max(), most <= operations else {
      throw ValidationError("--clients needs at least one count, none above --operations")
    }
    guard !compareFsync || daemonOptions.endpoint == nil else {
      throw ValidationError(
        "--compare-fsync starts a daemon for each fsync setting; it cannot use --endpoint")
    }
  }

  func run() throws {
    let policies: [FsyncPolicy?] = compareFsync ? [.always, .everysec] : [nil]
    let daemons = try policies.map { policy in
      try SubscribeDaemon(
        options: daemonOptions, fsync: policy, channels: channels,
        maxSubscriberCount: operations)
    }
    defer { for daemon in daemons { daemon.daemon.stop() } }
    var recorder = RunRecorder()
    for clientCount in clientCounts {
      let perClient = operations / clientCount
      let clientsLabel = "\(clientCount) client\(clientCount == 1 ? "" : "s")"
      for run in 0..<daemonOptions.runs {
        // Alternate which daemon goes first, so that neither always gets the quieter moment.
        var rates: [String: [FsyncPolicy: Double]] = [:]
        for daemon in run % 2 == 0 ? daemons : daemons.reversed() {
          for (op, name) in [
            (RequestOp.subscribeOfficialAccount, "subscribe"),
            (RequestOp.unsubscribeOfficialAccount, "unsubscribe"),
          ] {
            try daemon.waitUntilIdle()
            let perSecond = try measure(
              op, clients: clientCount, perClient: perClient, on: daemon)
            try daemon.checkSubscriptions(
              added: name == "subscribe" ? clientCount * perClient : 0,
              after: "\(name) from \(clientsLabel)")
            let setting = daemon.fsync.map { ", fsync \($0.rawValue)" } ?? ""
            recorder.record("\(name), \(clientsLabel)\(setting)", perSecond, unit: "ops/s")
            if let fsync = daemon.fsync { rates[name, default: [:]][fsync] = perSecond }
          }
        }
        for name in ["subscribe", "unsubscribe"] {
          guard let always = rates[name]?[.always], let everysec = rates[name]?[.everysec] else {
            continue
          }
          recorder.record(
            "\(name), \(clientsLabel): everysec / always (per run)", everysec / always, unit: "×")
        }
      }
    }
    var notes = [
      "single-user requests; each subscribe also queues an officialAccountSubscribed event "
        + "(no consumer is connected)"
    ]
    if compareFsync {
      notes.append(
        "fsync always: the daemon calls fdatasync once per run of up to 256 requests before "
          + "replying to them; each client keeps --window \(window) requests in flight")
    }
    var settings = daemonOptions.settings.merging([
      "operations": String(operations), "channels": String(channels), "window": String(window),
    ]) { $1 }
    if compareFsync { settings["fsync"] = "always and everysec (--compare-fsync)" }
    try Report(
      scenario: "subscribe", runs: daemonOptions.runs, settings: settings,
      figures: recorder.figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }

  /// Runs one phase on `clients` threads and returns operations per second.
  private func measure(
    _ op: RequestOp, clients: Int, perClient: Int, on daemon: SubscribeDaemon
  ) throws -> Double {
    let deadline = Deadline(
      "\(op) from \(clients) client(s)", seconds: daemonOptions.timeoutSeconds)
    let subscribers = (0..<clients).map { client in
      PipelinedSubscriber(
        client: client, op: op, users: 0..<perClient, channelIDs: daemon.channelIDs,
        window: window, endpoint: daemon.daemon.commandEndpoint, context: daemon.context,
        deadline: deadline)
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
