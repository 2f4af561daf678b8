/// Fan-out jobs gathered on the command thread while it works through the requests that have
/// arrived, handed to the shards together afterwards: one queue hop per shard for a whole run
/// of subscribes, instead of one per event.
///
/// Ownership: a value owned by the command thread (inside `ChannelCastService`).
struct PendingFanOut {
  /// A job and the channel whose order it keeps.
  struct ChannelJob: Sendable {
    let job: FanOutJob
    let channel: UInt32
  }

  private var jobsByShard: [[ChannelJob]]
  /// Recipients gathered so far, to hand them over early when a request fans out widely.
  private(set) var recipientCount = 0

  init(shardCount: Int) {
    jobsByShard = Array(repeating: [], count: shardCount)
  }

  var isEmpty: Bool { recipientCount == 0 }

  /// Adds a broadcast to a channel's members, split by their shards. Returns its progress,
  /// finished at once when the channel has no members.
  @discardableResult
  mutating func addBroadcast(
    to members: ChannelMembers, envelopes: BroadcastEnvelopes, channel: UInt32,
    mark: DeliveryMark, onlyUsers: DeliveryScope.Partitions? = nil,
    onFinished: (@Sendable (Duration) -> Void)? = nil
  ) -> BroadcastProgress {
    precondition(members.shards.count == jobsByShard.count)
    let progress = BroadcastProgress(
      jobs: members.shards.count { !$0.isEmpty }, onFinished: onFinished)
    for (shard, shardMembers) in members.shards.enumerated() where !shardMembers.isEmpty {
      add(
        FanOutJob(
          recipients: .members(shardMembers), envelopes: envelopes, mark: mark,
          progress: progress, onlyUsers: onlyUsers),
        shard, channel)
    }
    return progress
  }

  /// Adds an event about a channel for one user on its shard.
  mutating func addEvent(
    _ envelope: SharedBytes, toUser user: UInt32, shard: Int, channel: UInt32, mark: DeliveryMark
  ) {
    add(
      FanOutJob(recipients: .user(user), envelopes: .everyone(envelope), mark: mark), shard,
      channel)
  }

  /// Empties the gathered jobs, returning them by shard.
  mutating func takeJobsByShard() -> [[ChannelJob]] {
    defer {
      jobsByShard = Array(repeating: [], count: jobsByShard.count)
      recipientCount = 0
    }
    return jobsByShard
  }

  private mutating func add(_ job: FanOutJob, _ shard: Int, _ channel: UInt32) {
    jobsByShard[shard].append(ChannelJob(job: job, channel: channel))
    recipientCount += job.count
  }
}
