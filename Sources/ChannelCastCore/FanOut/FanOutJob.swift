/// Work for one shard: one envelope per recipient, chosen by the recipient's message flag.
struct FanOutJob: Sendable {
  /// The recipients: a broadcast's members on this shard, or one user.
  enum Recipients: Sendable {
    case members([MemberEntry])
    case user(UInt32)
  }

  let recipients: Recipients
  let envelopes: BroadcastEnvelopes
  /// What it delivers, for a gateway's `gap` notice.
  let mark: DeliveryMark
  /// The broadcast's progress, told when this job is done; nil when nobody waits for it.
  var progress: BroadcastProgress? = nil
  /// Only the users of these partitions get it (a cluster node sending again what a node it
  /// took user partitions over from may not have sent); nil: every recipient in scope.
  var onlyUsers: DeliveryScope.Partitions? = nil
  /// A cluster node's user partitions when the job was handed to the shards (which is in the
  /// log's order): only their users get it. Nil outside a cluster.
  var scope: DeliveryScope.Partitions? = nil

  /// Tells this job from the others a shard has in progress: its envelopes are its own (each
  /// broadcast encodes its own; only per-user events, served at once, share theirs).
  var key: ObjectIdentifier { envelopes.identity }

  var count: Int {
    switch recipients {
    case .members(let members): members.count
    case .user: 1
    }
  }
}
