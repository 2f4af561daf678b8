import ChannelCastProtocol
import Foundation

/// One broadcast to every subscriber of one channel whose users are spread over the three
/// nodes' user partitions: each node delivers its own users' share, and `ClusterConsumers`
/// counts them all.
struct ClusterBroadcast {
  /// One run's broadcast as the harness saw it.
  struct Outcome {
    let subscribers: Int
    /// Monotonic nanoseconds of the request, its reply and the last delivery (0 if none came).
    let requested: UInt64
    let replied: UInt64
    let lastDelivery: UInt64
    /// Deliveries counted from each node, in node order.
    let countsByNode: [Int]
    /// How much each node's `stats` deliveriesSent grew, in node order.
    let deliveriesSentByNode: [Int]
    let missing: Int
    let duplicated: Int
    let misplaced: Int

    private var received: Int { subscribers - missing }

    func record(into recorder: inout RunRecorder) {
      let anyArrived = lastDelivery != 0
      let seconds = anyArrived ? (Double(lastDelivery) - Double(replied)) / 1e9 : .nan
      recorder.record(
        "broadcast deliveries/s (reply → last delivery)", Double(received) / seconds,
        unit: "deliveries/s")
      recorder.record("broadcast reply → last delivery", seconds, unit: "s")
      recorder.record("broadcast request → reply", Double(replied - requested) / 1e6, unit: "ms")
      let counted = max(countsByNode.reduce(0, +), 1)
      for (name, count) in zip(ClusterUnderTest.nodeNames, countsByNode) {
        recorder.record(
          "broadcast share delivered by \(name)", Double(count) / Double(counted) * 100, unit: "%")
      }
      recorder.record(
        "broadcast deliveriesSent growth, all nodes (stats)",
        Double(deliveriesSentByNode.reduce(0, +)), unit: "count")
      recorder.record(
        "broadcast missing (users that received nothing)", Double(missing), unit: "count")
      recorder.record(
        "broadcast duplicated (a user's second delivery)", Double(duplicated), unit: "count")
      recorder.record(
        "broadcast misplaced (from a node not serving the user's partition)", Double(misplaced),
        unit: "count")
    }

    /// What the figures of run `number` leave out, or nil when every user received the
    /// broadcast exactly once, from the node serving it.
    func note(number: Int, waitedSeconds: Double) -> String? {
      guard missing > 0 || duplicated > 0 || misplaced > 0 else { return nil }
      return "run \(number): \(missing) of \(subscribers) users received nothing within "
        + "\(Int(waitedSeconds)) s, \(duplicated) deliveries were duplicates, \(misplaced) came "
        + "from a node not serving the user's partition; deliveries/s counts the \(received) "
        + "that arrived"
    }
  }

  let subscribers: Int
  let timeoutSeconds: Double

  /// Creates `channel` and subscribes users u0 ... uN-1 to it, 1000 per request, through
  /// `population` (the channel's owner: a forwarded batch may wait longer than a node waits
  /// for a forwarded reply, --cluster-request-timeout-milliseconds); then waits until every
  /// node has sent their subscribed events (to no consumer). Returns the seconds it took.
  ///
  /// A cluster takes each batch through its replicated log (about 2 batches a second on a
  /// 2-core machine), so the bound is 4 × `timeoutSeconds` or 1 s per batch, the longer.
  func fillChannel(_ channel: String, through population: Population, nodes: [Population])
    throws -> Double
  {
    let setup = Deadline(
      "subscribing \(subscribers) users",
      seconds: max(timeoutSeconds * 4, Double(subscribers) / 1000))
    let start = MonotonicClock.nanoseconds()
    try population.createChannel(channel, maxSubscriberCount: subscribers)
    try population.subscribe((0..<subscribers).lazy.map(RecipientSet.userID), to: channel)
    let seconds = MonotonicClock.seconds(since: start)
    try setup.check()
    for node in nodes {
      try DaemonStats.waitUntilIdle(
        population: node, deadline: Deadline("setup's events", seconds: timeoutSeconds))
    }
    return seconds
  }

  /// Sends one message to `channel` through `owner` (the node serving its partition) and
  /// counts its deliveries until every user has one or `timeoutSeconds` pass; what did not
  /// arrive is reported as missing, not as a failure.
  func measure(
    _ channel: String, consumers: ClusterConsumers, owner: Population, nodes: [Population]
  ) throws -> Outcome {
    consumers.reset()
    let sentBefore = try nodes.map { try DaemonStats(population: $0).deliveriesSent }
    let requested = MonotonicClock.nanoseconds()
    let reply = try owner.call(.sendMessage) {
      $0.add("officialAccountID", channel)
      $0.add("payload", rawJSON: Array(#"{"text":"cluster broadcast"}"#.utf8))
    }
    let replied = MonotonicClock.nanoseconds()
    let recipientCount = reply.result?.objectMembers?["recipientCount"]?.int64Value ?? -1
    guard recipientCount == Int64(subscribers) else {
      throw BenchmarkError("recipientCount \(recipientCount), expected \(subscribers)")
    }
    _ = try consumers.waitUntilCounted(
      subscribers, deadline: Deadline("cluster broadcast", seconds: timeoutSeconds))
    let lastDelivery = consumers.lastArrivalNanoseconds
    try consumers.waitForQuiet(deadline: Deadline("quiet after the broadcast", seconds: 30))
    for node in nodes {
      try DaemonStats.waitUntilIdle(
        population: node, deadline: Deadline("fan-out queues emptying", seconds: timeoutSeconds))
    }
    let sentAfter = try nodes.map { try DaemonStats(population: $0).deliveriesSent }
    return Outcome(
      subscribers: subscribers, requested: requested, replied: replied,
      lastDelivery: lastDelivery, countsByNode: consumers.countsByNode,
      deliveriesSentByNode: zip(sentAfter, sentBefore).map { $0 - $1 },
      missing: consumers.recipients.missing, duplicated: consumers.recipients.duplicateCount,
      misplaced: consumers.misplaced)
  }
}
