import Dispatch
import Synchronization

/// One serial queue of the fan-out. It owns the work for the users that hash to it, so each of
/// them sees every channel's deliveries in the order the command thread submitted them.
final class FanOutShard: Sendable {
  /// How many deliveries one call to the sink carries: large enough to amortize the sink's lock,
  /// small enough that shards interleave.
  static let batchSize = 512

  let number: Int
  private let queue: DispatchQueue
  private let directory: UserDirectory
  private let sink: any DeliverySink
  private let counters: FanOutCounters
  /// Deliveries submitted to this shard and not yet handed to the sink.
  let pendingDeliveries = Atomic<Int>(0)

  init(number: Int, directory: UserDirectory, sink: any DeliverySink, counters: FanOutCounters) {
    self.number = number
    self.queue = DispatchQueue(label: "channelcast.fanout.shard-\(number)")
    self.directory = directory
    self.sink = sink
    self.counters = counters
  }

  /// Delivers an envelope to each member, chosen by the member's flag.
  func submit(members: [MemberEntry], envelopes: BroadcastEnvelopes) {
    pendingDeliveries.add(members.count, ordering: .relaxed)
    queue.async { [self] in
      var batch: [Delivery] = []
      batch.reserveCapacity(Self.batchSize)
      var start = 0
      while start < members.count {
        let end = min(start + Self.batchSize, members.count)
        for entry in members[start..<end] {
          guard let envelope = envelopes[entry.flag] else { continue }
          batch.append(Delivery(topic: directory.topic(of: entry.user), envelope: envelope.buffer))
        }
        flush(&batch, accounting: end - start)
        start = end
      }
    }
  }

  /// Delivers one envelope to one user.
  func submit(user: UInt32, envelope: SharedBytes) {
    pendingDeliveries.add(1, ordering: .relaxed)
    queue.async { [self] in
      var batch = [Delivery(topic: directory.topic(of: user), envelope: envelope.buffer)]
      flush(&batch, accounting: 1)
    }
  }

  /// Runs `body` on the shard's queue after everything submitted before it.
  func afterPendingWork(_ body: @escaping @Sendable () -> Void) {
    queue.async(execute: body)
  }

  /// Hands a batch to the sink. The closure that calls this holds the envelopes the batch points
  /// into, so they outlive the call.
  private func flush(_ batch: inout [Delivery], accounting: Int) {
    let attempted = batch.count
    let handed = attempted == 0 ? 0 : batch.withUnsafeBufferPointer { sink.deliver($0) }
    counters.deliveriesSent.add(UInt64(handed), ordering: .relaxed)
    counters.deliveriesDropped.add(UInt64(attempted - handed), ordering: .relaxed)
    pendingDeliveries.subtract(accounting, ordering: .relaxed)
    batch.removeAll(keepingCapacity: true)
  }
}
