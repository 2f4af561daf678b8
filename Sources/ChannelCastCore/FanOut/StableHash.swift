/// Hashes that give the same answer in every process and on every machine, unlike `Hasher`,
/// which is seeded per process. A later cluster partitions users with the same functions.
public enum StableHash {
  /// 64-bit FNV-1a of the bytes.
  public static func fnv1a64(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    return hash
  }

  public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBufferPointer { fnv1a64($0) }
  }

  /// Lamping and Veach's jump consistent hash: a bucket in `0..<buckets` for `key`, moving only
  /// 1/n of the keys when a bucket is added.
  public static func jumpConsistentHash(_ key: UInt64, buckets: Int) -> Int {
    precondition(buckets > 0)
    var key = key
    var bucket: Int64 = -1
    var next: Int64 = 0
    while next < Int64(buckets) {
      bucket = next
      key = key &* 2_862_933_555_777_941_757 &+ 1
      next = Int64(Double(bucket + 1) * (Double(Int64(1) << 31) / Double((key >> 33) + 1)))
    }
    return Int(bucket)
  }

  /// The shard of a user: jump consistent hash of the FNV-1a hash of its ID bytes.
  public static func shard(ofUserID bytes: UnsafeBufferPointer<UInt8>, shards: Int) -> Int {
    jumpConsistentHash(fnv1a64(bytes), buckets: shards)
  }
}
