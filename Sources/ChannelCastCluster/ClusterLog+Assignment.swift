import ChannelCastCore

extension ClusterLog {
  /// Appends the claims and releases that move the partitions toward the nodes they prefer
  /// among `members` (live nodes: name → identity, see `PartitionAssignment`), skipping a claim
  /// this node already appended and has not read back yet. Returns how many it appended.
  @discardableResult
  public func rebalance(members: [String: String]) throws -> Int {
    var members = members
    members[settings.nodeName] = identity
    let assignment = PartitionAssignment(
      name: settings.nodeName, identity: identity, members: members)
    let channels = assignment.actions(
      space: .channels, count: settings.partitions.channelPartitions, ledger: channelLedger,
      served: servedChannelPartitions)
    let users = assignment.actions(
      space: .users, count: settings.partitions.userPartitions, ledger: userLedger,
      served: servedUserPartitions)
    var appended = 0
    for partition in channels.releases {
      try release(channelPartition: partition)
      appended += 1
    }
    // A user partition goes only once this node's fan-outs are done: its successor sends
    // again what came after this node's watermark, and a user should not get that before what
    // this node still had on its way to them.
    for partition in users.releases where fannedOutThrough >= appliedSequence {
      try release(userPartition: partition)
      appended += 1
    }
    for partition in channels.claims where try claimOnce(.channels, partition) {
      appended += 1
    }
    for partition in users.claims where try claimOnce(.users, partition) {
      appended += 1
    }
    return appended
  }
}
