import ChannelCastProtocol
import Foundation

/// ZeroMQ delivers to a SUB only what is published after its subscription reached the
/// publisher. Before measuring, make the daemon deliver to probe users until the consumers
/// have seen them, then clean up.
enum ConsumerReadiness {
  /// For a consumer subscribed to everything: subscribes a new probe user every 20 ms until
  /// the counter sees a delivery, then resets the counter.
  static func waitUntilReceiving(
    _ counter: DeliveryCounter, population: Population, deadline: Deadline
  ) throws {
    let probe = "@TOA#_bench-probe-\(UInt32.random(in: 0...UInt32.max))"
    try population.createChannel(probe, maxSubscriberCount: 10)
    var attempt = 0
    while counter.count == 0 {
      try deadline.check()
      attempt += 1
      try population.call(.subscribeOfficialAccount) {
        $0.add("officialAccountID", probe)
        $0.add("userID", "bench-probe-\(attempt)")
      }
      usleep(20_000)
    }
    try population.call(.deleteOfficialAccount) { $0.add("officialAccountID", probe) }
    try counter.waitForQuiet(deadline: deadline)
    counter.reset()
  }

  /// Waits, sending nothing, until the started daemon counts `topics` topics subscribed by its
  /// consumers (`channelcast_subscribed_topics`, checked every 5 ms): each is counted once
  /// libzmq has applied it. Returns the monotonic nanoseconds when it did.
  static func waitUntilCounted(_ topics: Int, metricsPort: Int, deadline: Deadline) throws
    -> UInt64
  {
    while try MetricsScrape.sample("channelcast_subscribed_topics", port: metricsPort)
      < Double(topics)
    {
      try deadline.check()
      usleep(5000)
    }
    return MonotonicClock.nanoseconds()
  }

  /// Waits until every consumer of `consumers` has all its subscriptions in force: subscribes
  /// each consumer's last subscribed user to a probe channel and broadcasts to it every 20 ms
  /// until `recipients` has marked all of them. Subscriptions reach the daemon in order on each
  /// connection, so a delivery to the last proves the earlier ones arrived too. Then deletes the
  /// probe channel and waits until the daemon and the consumers are quiet; the caller resets
  /// them. Returns, per consumer, the monotonic nanoseconds at which its probe user was seen.
  static func waitUntilSubscribed(
    _ consumers: ConsumerGroup, recipients: RecipientSet, population: Population,
    deadline: Deadline
  ) throws -> [UInt64] {
    let probe = "@TOA#_bench-probe-\(UInt32.random(in: 0...UInt32.max))"
    let users = consumers.lastSubscribedUsers
    try population.createChannel(probe, maxSubscriberCount: users.count)
    try population.subscribe(users.map(RecipientSet.userID), to: probe)
    var seen = [UInt64?](repeating: nil, count: users.count)
    var broadcasts = 0
    var lastBroadcast: UInt64 = 0
    while seen.contains(nil) {
      try consumers.checkRunning()
      if deadline.hasPassed {
        let waiting = seen.indices.filter { seen[$0] == nil }
        throw BenchmarkError(
          "\(deadline.what): consumers \(waiting.map(String.init).joined(separator: ", ")) "
            + "received nothing for their last subscribed user within \(Int(deadline.seconds)) s "
            + "(\(broadcasts) probe broadcasts)")
      }
      let now = MonotonicClock.nanoseconds()
      for (consumer, user) in users.enumerated() where seen[consumer] == nil {
        if recipients.isMarked(user) { seen[consumer] = now }
      }
      if now - lastBroadcast >= 20_000_000 {
        broadcasts += 1
        // A different payload each time, should the daemon refuse duplicates.
        try population.call(.sendMessage) {
          $0.add("officialAccountID", probe)
          $0.add("payload", rawJSON: Array(String(broadcasts).utf8))
        }
        lastBroadcast = now
      }
      usleep(1000)
    }
    try population.call(.deleteOfficialAccount) { $0.add("officialAccountID", probe) }
    try DaemonStats.waitUntilIdle(population: population, deadline: deadline)
    try consumers.waitForQuiet(deadline: deadline)
    return seen.map { $0! }
  }
}
