import ChannelCastCore
import Testing

@testable import ChannelCastCluster

/// Which node claims and releases which partition, from the live nodes and the ledger.
@Suite struct PartitionAssignmentTests {
  static let members = ["n1": "n1/a", "n2": "n2/b", "n3": "n3/c"]

  private static func assignment(_ name: String, _ members: [String: String]) -> PartitionAssignment
  {
    PartitionAssignment(name: name, identity: members[name]!, members: members)
  }

  @Test func unownedPartitionsAreClaimedByExactlyOneLiveNodeEach() {
    var claimed: [Int: [String]] = [:]
    for name in Self.members.keys {
      let actions = Self.assignment(name, Self.members).actions(
        space: .channels, count: 32, ledger: PartitionLedger(), served: [:])
      #expect(actions.releases.isEmpty)
      for partition in actions.claims { claimed[partition, default: []].append(name) }
    }
    #expect(claimed.count == 32)
    #expect(claimed.values.allSatisfy { $0.count == 1 })
    // Rendezvous hashing spreads them: every node gets a fair share (at least a fifth).
    let shares = Dictionary(grouping: claimed.values.map { $0[0] }, by: { $0 }).mapValues(\.count)
    #expect(shares.count == 3 && shares.values.allSatisfy { $0 >= 6 })
  }

  @Test func aDeadOwnersPartitionsGoToTheLiveNodesItsDeathMakesPreferred() {
    var ledger = PartitionLedger()
    for partition in 0..<32 {
      _ = ledger.apply(.claim(partition: partition, node: "n3/c", epoch: 1))
    }
    var survivors = Self.members
    survivors["n3"] = nil
    var claimed = Set<Int>()
    for name in survivors.keys {
      let actions = Self.assignment(name, survivors).actions(
        space: .channels, count: 32, ledger: ledger, served: [:])
      #expect(claimed.isDisjoint(with: actions.claims))
      claimed.formUnion(actions.claims)
    }
    #expect(claimed == Set(0..<32))
  }

  @Test func aRestartedNodeDoesNotTakeItsFormerSelfsTermsForItsOwn() {
    var ledger = PartitionLedger()
    _ = ledger.apply(.claim(partition: 0, node: "n1/old", epoch: 1))
    let alone = ["n1": "n1/new"]
    let actions = PartitionAssignment(name: "n1", identity: "n1/new", members: alone).actions(
      space: .users, count: 1, ledger: ledger, served: [:])
    #expect(actions.claims == [0])
  }

  @Test func anOwnerReleasesWhatAJoiningNodeIsPreferredForAndKeepsTheRest() {
    let alone = ["n1": "n1/a"]
    var ledger = PartitionLedger()
    var served: [Int: UInt64] = [:]
    for partition in 0..<32 {
      _ = ledger.apply(.claim(partition: partition, node: "n1/a", epoch: 1))
      served[partition] = 1
    }
    #expect(
      Self.assignment("n1", alone).actions(
        space: .channels, count: 32, ledger: ledger, served: served
      ).releases.isEmpty)
    let joined = ["n1": "n1/a", "n2": "n2/b"]
    let releases = Self.assignment("n1", joined).actions(
      space: .channels, count: 32, ledger: ledger, served: served
    ).releases
    let preferred = (0..<32).filter {
      PartitionAssignment.preferredNode(space: .channels, partition: $0, among: ["n1", "n2"])
        == "n2"
    }
    #expect(releases == preferred && !releases.isEmpty && releases.count < 32)
    // n2 claims them only once released: while n1 (alive) owns them, it waits.
    #expect(
      Self.assignment("n2", joined).actions(
        space: .channels, count: 32, ledger: ledger, served: [:]
      ).claims.isEmpty)
  }
}
