import ChannelCastProtocol
import Dispatch
import Synchronization

/// Fans broadcasts and per-user events out across shards.
///
/// Submissions come from one thread (the command thread), in the order the stream is sequenced;
/// each shard's serial queue then preserves that order for every user it owns.
public final class FanOut: Sendable {
  private let shards: [FanOutShard]
  private let directory: UserDirectory
  private let counters = FanOutCounters()
  /// A cluster node's users; nil outside a cluster.
  private let scope: DeliveryScope?
  /// Told how long each broadcast's fan-out took, on the shard that finished it.
  let broadcastFinished: (@Sendable (Duration) -> Void)?

  /// With a `gatewaySink`, recipients attached at gateways also get their deliveries as
  /// batches there (see `attach`). With a `scope` (a cluster node), only the users of the
  /// scope's partitions get deliveries: other nodes deliver to the rest.
  public init(
    shardCount: Int, directory: UserDirectory, sink: any DeliverySink,
    gatewaySink: (any GatewayBatchSink)? = nil, scope: DeliveryScope? = nil,
    broadcastFinished: (@Sendable (Duration) -> Void)? = nil
  ) {
    precondition(shardCount > 0)
    self.broadcastFinished = broadcastFinished
    self.directory = directory
    self.scope = scope
    let counters = counters
    shards = (0..<shardCount).map {
      FanOutShard(
        number: $0, directory: directory, sink: sink, gatewaySink: gatewaySink, counters: counters)
    }
  }

  public var shardCount: Int { shards.count }

  /// Hands each shard its gathered jobs, in one queue hop per shard. In a cluster each job
  /// takes the node's user partitions as they are now: a change of them takes effect for the
  /// jobs submitted after it.
  func submit(_ pending: inout PendingFanOut) {
    let partitions = scope?.current
    for (shard, jobs) in zip(shards, pending.takeJobsByShard()) where !jobs.isEmpty {
      guard let partitions else {
        shard.submit(jobs)
        continue
      }
      shard.submit(
        jobs.map { channelJob in
          var job = channelJob.job
          job.scope = partitions
          return PendingFanOut.ChannelJob(job: job, channel: channelJob.channel)
        })
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

  // MARK: Presence

  /// Attaches users at `gateway`: each shard adds its users to its presence index, behind the
  /// jobs submitted to it before, so broadcasts that reach a user's shard from then on go to
  /// the gateway too. Users the daemon never saw are interned. `completion` gets the number of
  /// users newly attached there, on a shard's queue, once every shard is done.
  public func attach(
    _ userIDs: [ByteString], at gateway: GatewayNumber,
    completion: @escaping @Sendable (Int) -> Void
  ) {
    let users = userIDs.map { (directory.intern($0), shardOf($0)) }
    update(users, completion: completion) { .attach($0, at: gateway) }
  }

  /// Detaches users from `gateway`, as `attach` attaches them; `completion` gets how many were
  /// attached there.
  public func detach(
    _ userIDs: [ByteString], from gateway: GatewayNumber,
    completion: @escaping @Sendable (Int) -> Void
  ) {
    let users = userIDs.compactMap { id in directory.lookup(id).map { ($0, shardOf(id)) } }
    update(users, completion: completion) { .detach($0, from: gateway) }
  }

  /// Forgets every attachment of `gateway` (its session ended); `completion` gets how many
  /// there were, once no shard holds any: the number may then be given to another session.
  public func removeGateway(
    _ gateway: GatewayNumber, completion: @escaping @Sendable (Int) -> Void
  ) {
    let tally = PresenceTally(shards: shards.count, completion: completion)
    for shard in shards {
      shard.update(.removeGateway(gateway)) { tally.shardDone(changed: $0) }
    }
  }

  /// Users attached at one gateway or more, across shards.
  public var attachedUsers: Int {
    shards.reduce(0) { $0 + $1.attachedUsers.load(ordering: .relaxed) }
  }

  /// Bytes the shards' presence indexes hold.
  public var presenceBytes: Int {
    shards.reduce(0) { $0 + $1.presenceBytes.load(ordering: .relaxed) }
  }

  private func shardOf(_ userID: ByteString) -> Int {
    userID.bytes.withUnsafeBufferPointer {
      StableHash.shard(ofUserID: $0, shards: shards.count)
    }
  }

  private func update(
    _ users: [(user: UInt32, shard: Int)], completion: @escaping @Sendable (Int) -> Void,
    _ change: ([UInt32]) -> PresenceChange
  ) {
    var byShard = Array(repeating: [UInt32](), count: shards.count)
    for (user, shard) in users { byShard[shard].append(user) }
    let touched = byShard.indices.filter { !byShard[$0].isEmpty }
    guard !touched.isEmpty else { return completion(0) }
    let tally = PresenceTally(shards: touched.count, completion: completion)
    for shard in touched {
      shards[shard].update(change(byShard[shard])) { tally.shardDone(changed: $0) }
    }
  }

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

/// Adds up what the shards report for one presence change and calls the completion once, after
/// the last shard. Atomics (which ThreadSanitizer follows): each shard adds its count, then
/// counts itself done; the last one reads the total.
private final class PresenceTally: Sendable {
  private let remaining: Atomic<Int>
  private let changed = Atomic<Int>(0)
  private let completion: @Sendable (Int) -> Void

  init(shards: Int, completion: @escaping @Sendable (Int) -> Void) {
    remaining = Atomic(shards)
    self.completion = completion
  }

  func shardDone(changed count: Int) {
    changed.add(count, ordering: .relaxed)
    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
      completion(changed.load(ordering: .relaxed))
    }
  }
}
