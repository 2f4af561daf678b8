import ChannelCastProtocol

/// How cluster mode splits the data: channels into `channelPartitions`, users into
/// `userPartitions`, by the stable hash the fan-out shards use, so that every node, on every
/// machine, puts a channel or a user in the same partition.
public struct ClusterPartitions: Sendable, Equatable {
  public let channelPartitions: Int
  public let userPartitions: Int

  public init(channelPartitions: Int, userPartitions: Int) {
    precondition(channelPartitions > 0 && userPartitions > 0)
    self.channelPartitions = channelPartitions
    self.userPartitions = userPartitions
  }

  /// The partition of the channel `officialAccountID`: all its records go through it.
  public func partition(ofChannel officialAccountID: ByteString) -> Int {
    Self.bucket(officialAccountID, of: channelPartitions)
  }

  /// The partition of the user `userID`: the node that owns it delivers to the user.
  public func partition(ofUser userID: ByteString) -> Int {
    Self.bucket(userID, of: userPartitions)
  }

  /// The partition of the user whose ID is the bytes `userID` (as the directory keeps them).
  @inline(__always)
  public func partition(ofUserBytes userID: UnsafeRawBufferPointer) -> Int {
    StableHash.jumpConsistentHash(
      StableHash.fnv1a64(userID.assumingMemoryBound(to: UInt8.self)), buckets: userPartitions)
  }

  private static func bucket(_ id: ByteString, of count: Int) -> Int {
    id.bytes.withUnsafeBufferPointer {
      StableHash.jumpConsistentHash(StableHash.fnv1a64($0), buckets: count)
    }
  }
}
