import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS

/// Claims and releases: how a node takes partitions and hands them on.
extension ClusterLog {
  /// Appends a claim of a partition for the epoch after the last one read, unless this node
  /// already claimed that epoch (and has not read the claim back yet); returns whether it
  /// appended one. It takes effect if it is the first claim of that epoch in the log:
  /// `applyAvailable` then starts serving the partition.
  func claimOnce(_ space: LogEntry.Space, _ partition: Int) throws -> Bool {
    let epoch = (space == .channels ? channelLedger : userLedger).nextEpoch(of: partition)
    let key = ClaimKey(space: space, partition: partition)
    // A claim not read back after a while did not make it into the log (its publish failed,
    // or its acknowledgement was lost with a server): claiming the same epoch again is safe,
    // since only the first claim of an epoch counts.
    if let earlier = claimsAppended[key], earlier.epoch == epoch,
      ContinuousClock.now - earlier.at < Self.claimPatience
    {
      return false
    }
    claimsAppended[key] = (epoch, .now)
    do {
      try append(space, .claim, partition, epoch: epoch)
    } catch {
      claimsAppended[key] = nil
      throw error
    }
    return true
  }

  /// How long a claim this node appended is waited for before it is appended again.
  static let claimPatience = Duration.seconds(2)

  /// Stops serving a channel (or user) partition at once and appends the release of its term,
  /// so that the node it should go to can claim it.
  /// If the release cannot be appended, the node serves the partition again and throws.
  public func release(channelPartition partition: Int) throws {
    guard let epoch = servedChannelPartitions.removeValue(forKey: partition) else { return }
    do {
      try append(.channels, .release, partition, epoch: epoch)
    } catch {
      servedChannelPartitions[partition] = epoch
      throw error
    }
  }

  public func release(userPartition partition: Int) throws {
    guard let epoch = servedUserPartitions.removeValue(forKey: partition) else { return }
    userPartitionsChanged?(Set(servedUserPartitions.keys))
    do {
      // Everything up to what this node applied has been handed to the partition's users
      // (`rebalance` releases only then); its successor sends again what comes after.
      try append(.users, .release, partition, epoch: epoch, handedOverThrough: appliedSequence)
    } catch {
      servedUserPartitions[partition] = epoch
      userPartitionsChanged?(Set(servedUserPartitions.keys))
      throw error
    }
  }

  func append(
    _ space: LogEntry.Space, _ content: LogEntry.Content, _ partition: Int, epoch: UInt64,
    handedOverThrough: UInt64 = 0
  ) throws {
    _ = try publish(
      LogEntry(
        space: space, partition: partition, node: identity, epoch: epoch, content: content,
        handedOverThrough: handedOverThrough))
  }
}
