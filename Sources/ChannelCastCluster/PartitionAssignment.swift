import ChannelCastCore

/// Which node each partition should go to, and what this node should append to the log to get
/// there: a pure function of the live nodes and the ledger as this node read it.
///
/// Each partition prefers one live node by rendezvous hashing (the node whose hash with the
/// partition is highest), so that a node joining or leaving moves only the partitions it wins
/// or held. A node claims a partition it prefers when it has no owner or its owner is not alive
/// (its name has no heartbeat, or heartbeats with another identity: it restarted); it releases
/// one it serves when another live node is preferred, which then claims it. Nodes may see the
/// live set differently for a moment: the ledger's first-claim rule settles any race.
struct PartitionAssignment {
  /// This node's name and identity (`name/instance`).
  let name: String
  let identity: String
  /// Live nodes: name → identity, this node included.
  let members: [String: String]

  /// The partitions of one space this node should claim and release.
  func actions(
    space: LogEntry.Space, count: Int, ledger: PartitionLedger, served: [Int: UInt64]
  ) -> (claims: [Int], releases: [Int]) {
    var claims: [Int] = []
    var releases: [Int] = []
    let names = members.keys.sorted()
    for partition in 0..<count {
      let preferred = Self.preferredNode(space: space, partition: partition, among: names)
      guard let owner = ledger.owner(of: partition) else {
        if preferred == name { claims.append(partition) }
        continue
      }
      if owner.node == identity {
        if served[partition] != nil, let preferred, preferred != name {
          releases.append(partition)
        }
      } else if preferred == name, !isAlive(owner.node) {
        claims.append(partition)
      }
    }
    return (claims, releases)
  }

  private func isAlive(_ identity: String) -> Bool {
    guard let slash = identity.firstIndex(of: "/") else { return false }
    return members[String(identity[..<slash])] == identity
  }

  /// The live node a partition prefers: the highest hash of name and partition.
  static func preferredNode(space: LogEntry.Space, partition: Int, among names: [String])
    -> String?
  {
    names.max { weight($0, space, partition) < weight($1, space, partition) }
  }

  private static func weight(_ name: String, _ space: LogEntry.Space, _ partition: Int) -> UInt64 {
    // FNV-1a alone barely mixes names that differ in their last characters ("n1", "n2"):
    // a finalizer (SplitMix64's) spreads them, so that partitions split evenly.
    var value = StableHash.fnv1a64(Array("\(name)|\(space.rawValue)|\(partition)".utf8))
    value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
    value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
    return value ^ (value >> 31)
  }
}
