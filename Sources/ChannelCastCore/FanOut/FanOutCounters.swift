import Synchronization

/// Delivery totals, updated by every shard.
final class FanOutCounters: Sendable {
  let deliveriesSent = Atomic<UInt64>(0)
  let deliveriesDropped = Atomic<UInt64>(0)
  /// Rounds run by all shards: a hung shard stops it (see the daemon's watchdog).
  let roundsRun = Atomic<UInt64>(0)
}
