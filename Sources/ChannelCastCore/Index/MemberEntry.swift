/// One subscriber in a channel's member list, packed into 32 bits: the user number in the upper
/// 30 bits and the message flag in the lower 2, so that fan-out reads one word per recipient.
public struct MemberEntry: Sendable, Hashable {
  public let rawValue: UInt32

  public init(user: UInt32, flag: MessageFlag) {
    rawValue = user << 2 | UInt32(flag.rawValue)
  }

  public var user: UInt32 { rawValue >> 2 }
  public var flag: MessageFlag { MessageFlag(rawValue: UInt8(rawValue & 3))! }
}

/// A channel's subscribers, split by delivery shard. A value type: taking a copy for a fan-out
/// costs one reference count per shard, and a later change copies only the shard it touches.
public struct ChannelMembers: Sendable {
  /// `shards[s]` holds the subscribers whose user ID hashes to shard `s`, in no particular order.
  public internal(set) var shards: [[MemberEntry]]
  /// The number of subscribers.
  public internal(set) var count = 0
  /// The number of subscribers whose flag is `discard`.
  public internal(set) var discardCount = 0

  init(shardCount: Int) {
    shards = Array(repeating: [], count: shardCount)
  }

  /// The number of subscribers that receive messages (all but those that discard them).
  public var messageRecipientCount: Int { count - discardCount }
}
