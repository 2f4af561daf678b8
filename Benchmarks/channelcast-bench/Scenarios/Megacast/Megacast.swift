import ChannelCastProtocol
import Foundation
import ZeroMQ

/// The megacast measurement, reusable by `compare`.
struct Megacast {
  /// The report, and the notes of the runs in which not every user received exactly one
  /// delivery (`compare` needs complete runs for its ratios to mean anything).
  struct Outcome {
    let report: Report
    let incompleteRuns: [String]
  }

  let options: DaemonOptions
  let subscribers: Int
  let payloadBytes: Int
  /// Consumer SUB sockets, each on its own thread, that share the users (`ConsumerGroup`).
  var consumers = 1
  /// Each consumer subscribes to its users' topics rather than to everything.
  var perUserTopics = false
  /// The started daemon requires CURVE, and every socket of the harness uses it.
  var curve = false
  /// Gateway sessions on the gateway socket sharing the users, instead of consumer SUB
  /// sockets (0: none; see `MegacastBatched`).
  var gateways = 0

  func measure() throws -> Outcome {
    if gateways > 0 { return try measureBatched() }
    let daemon = try options.startDaemon(
      extraArguments: ["--max-subscriber-count", String(max(subscribers, 1))], curve: curve)
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(
      commandEndpoint: daemon.commandEndpoint, context: context, curve: daemon.curve)
    // The consumers connect to an idle daemon, with nothing sending that would make libzmq
    // apply their subscriptions for it: the subscribed events of the setup are out first.
    let (channel, setupSeconds) = try fillChannel(through: population)
    let recipients = RecipientSet(size: subscribers)
    let connecting = MonotonicClock.nanoseconds()
    let group = try ConsumerGroup(
      consumers: consumers, users: subscribers, perUserTopics: perUserTopics,
      endpoint: daemon.deliveryEndpoint, context: context, curve: daemon.curve
    ) { topic, _, _ in recipients.mark(topic: topic) }
    defer { group.stop() }
    let countedInForce =
      try perUserTopics
      ? daemon.metricsPort.map {
        try ConsumerReadiness.waitUntilCounted(
          subscribers, metricsPort: $0,
          deadline: Deadline("subscriptions counted", seconds: options.timeoutSeconds))
      } : nil
    let inForce = try ConsumerReadiness.waitUntilSubscribed(
      group, recipients: recipients, population: population,
      deadline: Deadline("consumer subscriptions", seconds: options.timeoutSeconds))
    var notes = [
      "setup: \(subscribers) subscribes in \(String(format: "%.1f", setupSeconds)) s",
      readinessNote(inForce.map { Double($0 - connecting) / 1e9 }),
    ]
    if let countedInForce {
      let lastConnect = group.lastConnectedNanoseconds
      notes.append(
        "idle daemon: all \(subscribers) per-user subscriptions counted in force "
          + "(channelcast_subscribed_topics), before any broadcast, "
          + Self.seconds(countedInForce, after: lastConnect) + " s after the last consumer "
          + "connected (" + Self.seconds(countedInForce, after: connecting) + " s after the "
          + "first began making its subscriptions)")
    }

    var recorder = RunRecorder()
    var incompleteRuns: [String] = []
    for number in 1...options.runs {
      group.reset()
      recipients.reset()
      let droppedBefore = try DaemonStats(population: population).deliveriesDropped
      let (requested, replied) = try broadcast(to: channel, through: population)
      // What does not arrive by the deadline is reported as missing, not as a failure.
      _ = try group.waitUntilCounted(
        subscribers, deadline: Deadline("megacast run", seconds: options.timeoutSeconds))
      let lastDelivery = group.lastArrivalNanoseconds
      try group.waitForQuiet(deadline: Deadline("quiet after the run", seconds: 30))
      let run = MegacastRun(
        subscribers: subscribers, requested: requested, replied: replied,
        lastDelivery: lastDelivery, missing: recipients.missing,
        duplicated: recipients.duplicateCount, strangers: recipients.strangerCount,
        dropped: try DaemonStats(population: population).deliveriesDropped - droppedBefore)
      run.record(into: &recorder)
      if let note = run.note(number: number, waitedSeconds: options.timeoutSeconds) {
        incompleteRuns.append(note)
      }
    }
    notes += incompleteRuns
    if incompleteRuns.isEmpty { notes.append("every delivery received exactly once in every run") }
    let report = Report(
      scenario: "megacast", runs: options.runs,
      settings: options.settings.merging([
        "subscribers": String(subscribers), "payloadBytes": String(payloadBytes),
        "consumers": String(consumers), "perUserTopics": String(perUserTopics),
        "curve": String(curve),
      ]) { $1 },
      figures: recorder.figures, notes: notes)
    return Outcome(report: report, incompleteRuns: incompleteRuns)
  }

  /// Creates the megacast channel and subscribes users u0 ... uN-1 to it, then waits until the
  /// daemon has sent their subscribed events; returns the channel and the seconds it took.
  func fillChannel(through population: Population) throws -> (
    channel: String, setupSeconds: Double
  ) {
    let channel = "@TOA#_megacast-\(UInt32.random(in: 0...UInt32.max))"
    let setup = Deadline("subscribing \(subscribers) users", seconds: options.timeoutSeconds * 4)
    let setupStart = MonotonicClock.nanoseconds()
    try population.createChannel(channel, maxSubscriberCount: subscribers)
    try population.subscribe((0..<subscribers).lazy.map(RecipientSet.userID), to: channel)
    let setupSeconds = MonotonicClock.seconds(since: setupStart)
    try setup.check()
    try DaemonStats.waitUntilIdle(
      population: population, deadline: Deadline("setup's events", seconds: options.timeoutSeconds))
    return (channel, setupSeconds)
  }

  /// Sends one run's message to `channel` and checks that it went to every subscriber; returns
  /// when it was requested and when the reply came (monotonic nanoseconds).
  func broadcast(to channel: String, through population: Population) throws -> (
    requested: UInt64, replied: UInt64
  ) {
    let payload = Array(
      ("\"" + String(repeating: "x", count: max(payloadBytes - 2, 0)) + "\"").utf8)
    let requested = MonotonicClock.nanoseconds()
    let reply = try population.call(.sendMessage) {
      $0.add("officialAccountID", channel)
      $0.add("payload", rawJSON: payload)
    }
    let replied = MonotonicClock.nanoseconds()
    let recipientCount = reply.result?.objectMembers?["recipientCount"]?.int64Value ?? -1
    guard recipientCount == Int64(subscribers) else {
      throw BenchmarkError("recipientCount \(recipientCount), expected \(subscribers)")
    }
    return (requested, replied)
  }

  /// How the consumers subscribed and how long after connecting each had every subscription in
  /// force, from `ConsumerReadiness`.
  /// `later` − `earlier` monotonic nanoseconds, in seconds with 3 decimals (signed).
  private static func seconds(_ later: UInt64, after earlier: UInt64) -> String {
    String(format: "%.3f", (Double(later) - Double(earlier)) / 1e9)
  }

  private func readinessNote(_ seconds: [Double]) -> String {
    let topics =
      perUserTopics
      ? "per-user topics (about \(subscribers / consumers) each, ZMQ_SNDHWM 0)"
      : "subscribed to everything"
    let each =
      seconds.count > 1
      ? " (per consumer: " + seconds.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        + " s)" : ""
    return "consumers: \(consumers) SUB socket\(consumers == 1 ? "" : "s"), \(topics); every "
      + "subscription in force \(String(format: "%.3f", seconds.max() ?? 0)) s after they began "
      + "connecting"
      + each
  }
}
