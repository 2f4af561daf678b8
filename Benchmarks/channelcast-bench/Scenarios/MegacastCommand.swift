import ArgumentParser
import ChannelCastCore
import ZeroMQ

/// One channel with N subscribers, one broadcast: how fast does it reach everyone?
struct MegacastCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "megacast",
    abstract: "One broadcast to one channel with N subscribers; every delivery is counted.",
    discussion: """
      Subscribes N users (u0 ... uN-1) to one channel, connects a consumer that subscribes to \
      every delivery, then times one sendMessage per run: from the reply to the last \
      delivery, and deliveries per second from the request to the last delivery. A run fails \
      if any user's delivery is missing or arrives twice.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Subscribers of the channel (up to 10,000,000).")
  var subscribers = 1_000_000

  @Option(help: "Bytes of the message payload (a JSON string).")
  var payloadBytes = 100

  func validate() throws {
    guard (1...10_000_000).contains(subscribers) else {
      throw ValidationError("--subscribers must be between 1 and 10,000,000")
    }
  }

  func run() throws {
    let report = try Megacast(
      options: daemonOptions, subscribers: subscribers, payloadBytes: payloadBytes
    ).measure()
    try report.publish(jsonPath: daemonOptions.json)
  }
}

/// The megacast measurement, reusable by `compare`.
struct Megacast {
  let options: DaemonOptions
  let subscribers: Int
  let payloadBytes: Int

  /// Deliveries per second of each run (for `compare`), and the full report.
  func measure() throws -> Report {
    let daemon = try options.startDaemon(extraArguments: [
      "--max-subscriber-count", String(max(subscribers, 1)),
    ])
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let channel = "@TOA#_megacast-\(UInt32.random(in: 0...UInt32.max))"
    let setup = Deadline("subscribing \(subscribers) users", seconds: options.timeoutSeconds * 4)
    let setupStart = MonotonicClock.nanoseconds()
    try population.createChannel(channel, maxSubscriberCount: subscribers)
    try population.subscribe((0..<subscribers).lazy.map(RecipientSet.userID), to: channel)
    let setupSeconds = MonotonicClock.seconds(since: setupStart)
    try setup.check()

    let recipients = RecipientSet(size: subscribers)
    let counter = try DeliveryCounter(endpoint: daemon.deliveryEndpoint, context: context) {
      topic, _, _ in recipients.mark(topic: topic)
    }
    defer { counter.stop() }
    try ConsumerReadiness.waitUntilReceiving(
      counter, population: population, deadline: Deadline("consumer connection", seconds: 30))
    recipients.reset()

    let payload = Array(
      ("\"" + String(repeating: "x", count: max(payloadBytes - 2, 0)) + "\"").utf8)
    var recorder = RunRecorder()
    for _ in 0..<options.runs {
      counter.reset()
      recipients.reset()
      let requested = MonotonicClock.nanoseconds()
      let reply = try population.call("sendMessage") {
        $0.add("officialAccountID", channel)
        $0.add("payload", rawJSON: payload)
      }
      let replied = MonotonicClock.nanoseconds()
      try counter.wait(
        forCount: subscribers, deadline: Deadline("megacast run", seconds: options.timeoutSeconds))
      let last = counter.lastArrivalNanoseconds
      try counter.waitForQuiet(deadline: Deadline("quiet after the run", seconds: 30))
      try recipients.checkComplete(received: counter.count, system: "channelcastd")
      let recipientCount = reply.result?.objectMembers?["recipientCount"]?.int64Value ?? -1
      guard recipientCount == Int64(subscribers) else {
        throw BenchmarkError("recipientCount \(recipientCount), expected \(subscribers)")
      }
      recorder.record(
        "deliveries/s (request → last delivery)",
        Double(subscribers) / (Double(last - requested) / 1e9), unit: "deliveries/s")
      recorder.record(
        "reply → last delivery", Double(last &- replied) / 1e6, unit: "ms")
      recorder.record(
        "request → reply", Double(replied - requested) / 1e6, unit: "ms")
    }
    return Report(
      scenario: "megacast", runs: options.runs,
      settings: options.settings.merging([
        "subscribers": String(subscribers), "payloadBytes": String(payloadBytes),
      ]) { $1 },
      figures: recorder.figures,
      notes: [
        "setup: \(subscribers) subscribes in \(String(format: "%.1f", setupSeconds)) s",
        "every delivery received exactly once in every run",
      ])
  }
}
