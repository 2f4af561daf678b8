import ChannelCastCore
import Foundation
import Synchronization
import ZeroMQ

/// Gateway stand-ins for a cluster: one `DeliveryCounter` per node, each connected to that
/// node's delivery endpoint and subscribed to everything. Each node delivers only to the users
/// of the user partitions it serves, so together they see every delivery, and each counter
/// sees its node's share. Every delivery marks its user in a `RecipientSet`, and one from a
/// node that does not serve the user's partition is counted as misplaced.
final class ClusterConsumers: DeliveryCounting {
  /// The misplaced deliveries, counted on the counters' threads.
  private final class MisplacedCount: Sendable {
    let value = Atomic<Int>(0)
  }

  private let counters: [DeliveryCounter]
  let recipients: RecipientSet
  private let misplacedDeliveries = MisplacedCount()

  /// Connects one counter to each of `deliveryEndpoints`, node by node as in `views`, for users
  /// u0 ... u`users - 1`.
  init(
    deliveryEndpoints: [String], views: [ClusterNodeView], users: Int, context: ZMQContext
  ) throws {
    let recipients = RecipientSet(size: users)
    self.recipients = recipients
    let misplaced = misplacedDeliveries
    var counters: [DeliveryCounter] = []
    do {
      for (endpoint, view) in zip(deliveryEndpoints, views) {
        var served = [Bool](repeating: false, count: ClusterUnderTest.partitions.userPartitions)
        for partition in view.userPartitions { served[partition] = true }
        counters.append(
          try DeliveryCounter(endpoint: endpoint, context: context) {
            [served] topic, _, _ in
            recipients.mark(topic: topic)
            // The topic is the user ID and a NUL.
            let userID = UnsafeRawBufferPointer(rebasing: topic.prefix { $0 != 0 })
            if !served[ClusterUnderTest.partitions.partition(ofUserBytes: userID)] {
              misplaced.value.add(1, ordering: .relaxed)
            }
          })
      }
    } catch {
      for counter in counters { counter.stop() }
      throw error
    }
    self.counters = counters
  }

  /// Deliveries counted by every counter since the last reset.
  var count: Int { counters.reduce(0) { $0 + $1.count } }

  /// Deliveries counted by each node's counter since the last reset.
  var countsByNode: [Int] { counters.map(\.count) }

  /// Deliveries from a node that does not serve the user's partition, since the last reset.
  var misplaced: Int { misplacedDeliveries.value.load(ordering: .relaxed) }

  /// Monotonic nanoseconds of the last delivery to any counter since the last reset (0: none).
  var lastArrivalNanoseconds: UInt64 { counters.map(\.lastArrivalNanoseconds).max() ?? 0 }

  func checkRunning() throws {
    for counter in counters { try counter.checkRunning() }
  }

  /// ZeroMQ delivers to a SUB only what is published after its subscription reached the
  /// publisher: subscribes a new probe user to a probe channel every 20 ms until every
  /// counter has seen a delivery (a probe user's subscribed event comes from the node serving
  /// its partition), deletes the channel, waits until nothing arrives and resets.
  func waitUntilReceiving(population: Population, deadline: Deadline) throws {
    let probe = "@TOA#_bench-probe-\(UInt32.random(in: 0...UInt32.max))"
    try population.createChannel(probe, maxSubscriberCount: 10_000)
    var attempt = 0
    while counters.contains(where: { $0.count == 0 }) {
      try checkRunning()
      if deadline.hasPassed {
        let silent = counters.indices.filter { counters[$0].count == 0 }
          .map { ClusterUnderTest.nodeNames[$0] }
        throw BenchmarkError(
          "\(deadline.what): no delivery from \(silent.joined(separator: ", ")) within "
            + "\(Int(deadline.seconds)) s (\(attempt) probe users subscribed)")
      }
      attempt += 1
      try population.call(.subscribeOfficialAccount) {
        $0.add("officialAccountID", probe)
        $0.add("userID", "bench-probe-\(attempt)")
      }
      usleep(20_000)
    }
    try population.call(.deleteOfficialAccount) { $0.add("officialAccountID", probe) }
    try waitForQuiet(deadline: deadline)
    reset()
  }

  /// Forgets what was counted so far (call only while nothing is arriving).
  func reset() {
    for counter in counters { counter.reset() }
    recipients.reset()
    misplacedDeliveries.value.store(0, ordering: .relaxed)
  }

  func stop() {
    for counter in counters { counter.stop() }
  }
}
