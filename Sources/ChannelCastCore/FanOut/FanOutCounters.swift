import Synchronization

/// Delivery totals, updated by every shard.
final class FanOutCounters: Sendable {
  let deliveriesSent = Atomic<UInt64>(0)
  let deliveriesDropped = Atomic<UInt64>(0)
}
