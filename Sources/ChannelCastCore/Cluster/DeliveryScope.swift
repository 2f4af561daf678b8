#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The users a cluster node delivers to: those of the user partitions it owns. The fan-out
/// shards skip every other recipient (another node delivers to them). The owned set changes
/// when the node takes partitions over or loses them; a shard reads it once per piece of a job.
///
/// Ownership: the set is written by the cluster's thread and read by the shards, under
/// `lock` (a pthread mutex, which ThreadSanitizer sees); readers get an immutable copy.
public final class DeliveryScope: @unchecked Sendable {
  /// An immutable set of user partitions, as a shard uses it for a piece of a job.
  public struct Partitions: Sendable, Equatable {
    public let partitions: ClusterPartitions
    private var bits: [UInt64]

    public init(partitions: ClusterPartitions, owned: some Sequence<Int>) {
      self.partitions = partitions
      bits = Array(repeating: 0, count: (partitions.userPartitions + 63) / 64)
      for partition in owned { bits[partition / 64] |= 1 << UInt64(partition % 64) }
    }

    /// Whether the set holds the partition of the user whose ID is `userID`.
    @inline(__always)
    public func contains(userID: UnsafeRawBufferPointer) -> Bool {
      contains(partition: partitions.partition(ofUserBytes: userID))
    }

    @inline(__always)
    public func contains(partition: Int) -> Bool {
      bits[partition / 64] & (1 << UInt64(partition % 64)) != 0
    }

    /// The owned partitions, ascending.
    public var owned: [Int] {
      (0..<partitions.userPartitions).filter { bits[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }
  }

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private var currentSet: Partitions

  /// A scope of no partition at all: the node delivers to nobody until it owns some.
  public init(partitions: ClusterPartitions) {
    lock = .allocate(capacity: 1)
    pthread_mutex_init(lock, nil)
    currentSet = Partitions(partitions: partitions, owned: [])
  }

  deinit {
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  /// The partitions delivered to now.
  public var current: Partitions {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return currentSet
  }

  /// Replaces the owned partitions.
  public func setOwned(_ owned: some Sequence<Int>) {
    let set = Partitions(partitions: current.partitions, owned: owned)
    pthread_mutex_lock(lock)
    currentSet = set
    pthread_mutex_unlock(lock)
  }
}
