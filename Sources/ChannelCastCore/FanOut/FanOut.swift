import Dispatch

/// Fans broadcasts and per-user events out across shards.
///
/// Submissions come from one thread (the command thread), in the order the stream is sequenced;
/// each shard's serial queue then preserves that order for every user it owns.
public final class FanOut: Sendable {
  private let shards: [FanOutShard]
  private let counters = FanOutCounters()
  /// Told how long each broadcast's fan-out took, on the shard that finished it.
  let broadcastFinished: (@Sendable (Duration) -> Void)?

  public init(
    shardCount: Int, directory: UserDirectory, sink: any DeliverySink,
    broadcastFinished: (@Sendable (Duration) -> Void)? = nil
  ) {
    precondition(shardCount > 0)
    self.broadcastFinished = broadcastFinished
    let counters = counters
    shards = (0..<shardCount).map {
      FanOutShard(number: $0, directory: directory, sink: sink, counters: counters)
    }
  }

  public var shardCount: Int { shards.count }

  /// Hands each shard its gathered jobs, in one queue hop per shard.
  func submit(_ pending: inout PendingFanOut) {
    for (shard, jobs) in zip(shards, pending.takeJobsByShard()) where !jobs.isEmpty {
      shard.submit(jobs)
    }
  }

  /// Deliveries waiting in each shard's queue.
  public var queueDepths: [Int] {
    shards.map { $0.pendingDeliveries.load(ordering: .relaxed) }
  }

  /// Deliveries waiting in all the shards' queues.
  public var pendingDeliveries: Int { queueDepths.reduce(0, +) }

  /// Rounds the shards have run: advances while any shard makes progress.
  public var roundsRun: UInt64 { counters.roundsRun.load(ordering: .relaxed) }

  public var deliveriesSent: UInt64 { counters.deliveriesSent.load(ordering: .relaxed) }
  public var deliveriesDropped: UInt64 { counters.deliveriesDropped.load(ordering: .relaxed) }

  /// Blocks until everything submitted so far has been handed to the sink, or until `timeout`.
  /// Returns false on timeout.
  public func waitUntilDrained(timeout: DispatchTimeInterval = .seconds(3600)) -> Bool {
    let group = DispatchGroup()
    for shard in shards {
      group.enter()
      shard.afterPendingWork { group.leave() }
    }
    return group.wait(timeout: .now() + timeout) == .success
  }
}
