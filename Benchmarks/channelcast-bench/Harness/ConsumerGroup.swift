import ChannelCastClient
import ZeroMQ

/// Gateway stand-ins that share users u0 ... uN-1 between them: one `DeliveryCounter` per
/// consumer, each on its own thread. With per-user topics, consumer k subscribes to each user i
/// with i % consumers == k, to the topic a gateway with per-user subscriptions uses: the user ID
/// and a NUL (the NUL keeps `u1` from also matching `u10`). Otherwise each consumer subscribes to
/// every delivery.
final class ConsumerGroup: DeliveryCounting {
  private let counters: [DeliveryCounter]
  /// For each consumer, the user whose subscription reaches the daemon last: a delivery to that
  /// user proves that all of the consumer's subscriptions are in force (`ConsumerReadiness`).
  let lastSubscribedUsers: [Int]

  /// Connects the consumers to `endpoint` (over CURVE with `curve`); each passes its deliveries
  /// to `inspect` on its own thread.
  init(
    consumers: Int, users: Int, perUserTopics: Bool, endpoint: String, context: ZMQContext,
    curve: CurveClientCredentials?, inspect: @escaping DeliveryCounter.Inspector
  ) throws {
    var counters: [DeliveryCounter] = []
    var lastSubscribedUsers: [Int] = []
    do {
      for consumer in 0..<consumers {
        let share =
          perUserTopics
          ? Self.shareInTopicOrder(consumer: consumer, consumers: consumers, users: users) : nil
        counters.append(
          try DeliveryCounter(
            endpoint: endpoint, context: context, topics: share?.map(\.topic) ?? [[]],
            curve: curve, inspect: inspect))
        lastSubscribedUsers.append(share?.last?.user ?? users - 1)
      }
    } catch {
      for counter in counters { counter.stop() }
      throw error
    }
    self.counters = counters
    self.lastSubscribedUsers = lastSubscribedUsers
  }

  /// The delivery topic of user number `user`.
  private static func topic(user: Int) -> [UInt8] {
    Array(RecipientSet.userID(user).utf8) + [0]
  }

  /// The users of one consumer, ordered by the bytes of their topics. libzmq sends the
  /// subscriptions a socket holds when it connects in that order (they are kept in a trie) and
  /// those made afterwards in the order they are made; subscribing in topic order makes both
  /// orders the same, so the last user here is the last subscription to reach the daemon.
  private static func shareInTopicOrder(consumer: Int, consumers: Int, users: Int)
    -> [(user: Int, topic: [UInt8])]
  {
    stride(from: consumer, to: users, by: consumers).map { (user: $0, topic: topic(user: $0)) }
      .sorted { $0.topic.lexicographicallyPrecedes($1.topic) }
  }

  /// Monotonic nanoseconds when the last consumer connected (each makes its subscriptions
  /// first, then connects).
  var lastConnectedNanoseconds: UInt64 { counters.map(\.connectedNanoseconds).max() ?? 0 }

  /// Deliveries counted by all consumers since the last reset.
  var count: Int { counters.reduce(0) { $0 + $1.count } }

  /// Monotonic nanoseconds of the last delivery to any consumer since the last reset (0: none).
  var lastArrivalNanoseconds: UInt64 { counters.map(\.lastArrivalNanoseconds).max() ?? 0 }

  func checkRunning() throws {
    for counter in counters { try counter.checkRunning() }
  }

  /// Forgets what was counted so far (call only while nothing is arriving).
  func reset() {
    for counter in counters { counter.reset() }
  }

  func stop() {
    for counter in counters { counter.stop() }
  }
}
