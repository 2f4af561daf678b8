import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

@Suite struct PartitionLedgerTests {
  @Test func theFirstClaimInLogOrderWinsAndTheLosersRecordsAreFencedOff() {
    var ledger = PartitionLedger()
    #expect(ledger.apply(.claim(partition: 3, node: "a", epoch: 1)) == .applies)
    let a = PartitionLedger.Owner(node: "a", epoch: 1)
    #expect(ledger.apply(.claim(partition: 3, node: "b", epoch: 1)) == .staleClaim(current: a))
    #expect(ledger.apply(.record(partition: 3, node: "a", epoch: 1)) == .applies)
    #expect(ledger.apply(.record(partition: 3, node: "b", epoch: 1)) == .fencedRecord(current: a))
    #expect(ledger.apply(.record(partition: 4, node: "a", epoch: 1)) == .fencedRecord(current: nil))
  }

  @Test func aTakeoverFencesOffTheOldOwnersLaterRecords() {
    var ledger = PartitionLedger()
    _ = ledger.apply(.claim(partition: 0, node: "a", epoch: 1))
    #expect(ledger.nextEpoch(of: 0) == 2)
    #expect(ledger.apply(.claim(partition: 0, node: "b", epoch: 2)) == .applies)
    // "a" paused, woke up and appended as if it still owned the partition.
    let b = PartitionLedger.Owner(node: "b", epoch: 2)
    #expect(ledger.apply(.record(partition: 0, node: "a", epoch: 1)) == .fencedRecord(current: b))
    #expect(ledger.apply(.record(partition: 0, node: "b", epoch: 2)) == .applies)
    // A claim that skips an epoch is refused: a claimant claims what it read as next.
    #expect(ledger.apply(.claim(partition: 0, node: "a", epoch: 4)) == .staleClaim(current: b))
    // "a" may take it back, for the next epoch.
    #expect(ledger.apply(.claim(partition: 0, node: "a", epoch: 3)) == .applies)
  }

  @Test func aReleasedPartitionHasNoOwnerUntilTheNextEpochIsClaimed() {
    var ledger = PartitionLedger()
    _ = ledger.apply(.claim(partition: 1, node: "a", epoch: 1))
    let a = PartitionLedger.Owner(node: "a", epoch: 1)
    #expect(ledger.apply(.release(partition: 1, node: "b", epoch: 1)) == .fencedRecord(current: a))
    #expect(ledger.apply(.release(partition: 1, node: "a", epoch: 1)) == .applies)
    #expect(ledger.owner(of: 1) == nil)
    #expect(ledger.apply(.record(partition: 1, node: "a", epoch: 1)) == .fencedRecord(current: nil))
    #expect(ledger.apply(.claim(partition: 1, node: "b", epoch: 1)) == .staleClaim(current: nil))
    #expect(ledger.nextEpoch(of: 1) == 2)
    #expect(ledger.apply(.claim(partition: 1, node: "b", epoch: 2)) == .applies)
  }

  /// Random interleavings of three nodes that claim and append as they believe they own:
  /// two readers agree on every verdict, and the records that take effect in a partition come
  /// from one term at a time, terms in increasing epochs.
  @Test(arguments: 0..<20) func readersAgreeAndTermsNeverOverlap(seed: UInt64) {
    var generator = SplitMix64(seed: seed)
    var writerView: [String: [Int: UInt64]] = [:]  // what each node believes its epoch is
    var log: [PartitionLedger.Entry] = []
    var truth = PartitionLedger()
    let nodes = ["a", "b", "c"]
    for _ in 0..<500 {
      let node = nodes[Int(generator.next() % 3)]
      let partition = Int(generator.next() % 4)
      if generator.next() % 5 == 0 {
        // A claim for the next epoch as the node last read it (possibly stale).
        let epoch = (writerView[node]?[partition] ?? truth.nextEpoch(of: partition) - 1) + 1
        log.append(.claim(partition: partition, node: node, epoch: epoch))
        if case .applies = truth.apply(log.last!) {
          writerView[node, default: [:]][partition] = epoch
        }
      } else if let epoch = writerView[node]?[partition] {
        log.append(.record(partition: partition, node: node, epoch: epoch))
        _ = truth.apply(log.last!)
      }
      // Now and then a node catches up with the log, and learns it lost a partition.
      if generator.next() % 7 == 0 {
        for partition in 0..<4 where truth.owner(of: partition)?.node != node {
          writerView[node]?[partition] = nil
        }
      }
    }
    var first = PartitionLedger()
    var second = PartitionLedger()
    var lastTerm: [Int: UInt64] = [:]
    for entry in log {
      let verdict = first.apply(entry)
      #expect(second.apply(entry) == verdict)
      if case .record(let partition, _, let epoch) = entry, verdict == .applies {
        #expect(epoch >= lastTerm[partition] ?? 0, "a record of an older term took effect")
        lastTerm[partition] = epoch
        #expect(first.owner(of: partition)?.epoch == epoch)
      }
    }
  }

  @Test func partitionsAreStableAndSpread() {
    let partitions = ClusterPartitions(channelPartitions: 32, userPartitions: 256)
    #expect(
      partitions.partition(ofChannel: ByteString("@TOA#_news"))
        == partitions.partition(ofChannel: ByteString("@TOA#_news")))
    let users = (0..<10_000).map { partitions.partition(ofUser: ByteString("u\($0)")) }
    #expect(users.allSatisfy { (0..<256).contains($0) })
    #expect(Set(users).count == 256)
    // The same function as the fan-out shards', with another bucket count.
    let shard = Array("u42".utf8).withUnsafeBufferPointer {
      StableHash.jumpConsistentHash(StableHash.fnv1a64($0), buckets: 256)
    }
    #expect(partitions.partition(ofUser: ByteString("u42")) == shard)
  }
}
