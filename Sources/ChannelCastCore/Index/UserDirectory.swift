import ChannelCastProtocol

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Interns user IDs: each distinct user ID gets a dense number, and its bytes (followed by the NUL
/// that ends a delivery topic) are kept once, at an address that never changes.
///
/// Ownership: `intern`, `lookup` and `count` hold `tableLock`, which guards the hash table, the
/// name chunk being filled and the count: the command thread interns the users it subscribes,
/// the gateway socket's thread the users gateways attach (so an attached user that never
/// subscribed is known too). `topic(of:)` and the other reads by number take no lock: storage
/// is append-only chunks that never move and never change once written, and a number reaches
/// another thread only after its entry was written (through the lock or a queue hop), so
/// readers never see a partial entry.
public final class UserDirectory: @unchecked Sendable {
  /// The highest number of users: the index packs a user number into 30 bits.
  public static let capacity = 1 << 30
  private static let entriesPerChunk = 1 << 16
  private static let chunkDirectorySize = capacity / entriesPerChunk
  private static let nameChunkBytes = 1 << 20

  /// Each user's `Entry`, chunked so that appending never moves one.
  private let entries: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
  private var nameChunks: [UnsafeMutableRawPointer] = []
  private var nameChunkUsed = UserDirectory.nameChunkBytes
  /// A pthread mutex (which ThreadSanitizer understands), at a fixed address.
  private let tableLock: UnsafeMutablePointer<pthread_mutex_t>
  /// Open addressing: a slot holds user number + 1, or 0 when empty. Under `tableLock`.
  private var slots: [UInt32] = Array(repeating: 0, count: 1024)
  /// The previous, smaller table while its entries move into `slots`, a few per new user, so
  /// that growing never stops the command thread to rehash every user at once (a quarter of a
  /// second at a million users). Empty when no move is under way.
  private var retiringSlots: [UInt32] = []
  /// How many of `retiringSlots` have been moved.
  private var movedSlots = 0
  /// Slots moved per new user: the move ends long before the table next needs to grow.
  private static let slotsMovedPerIntern = 16

  /// How many users have been interned. Under `tableLock`.
  private var internedCount = 0

  /// How many users have been interned.
  public var count: Int { locked { internedCount } }

  public init() {
    tableLock = .allocate(capacity: 1)
    pthread_mutex_init(tableLock, nil)
    entries = .allocate(capacity: Self.chunkDirectorySize)
    entries.initialize(repeating: nil, count: Self.chunkDirectorySize)
  }

  deinit {
    pthread_mutex_destroy(tableLock)
    tableLock.deallocate()
    for chunk in 0..<(internedCount + Self.entriesPerChunk - 1) / Self.entriesPerChunk {
      entries[chunk]?.deallocate()
    }
    entries.deallocate()
    for chunk in nameChunks { chunk.deallocate() }
  }

  /// The number of `userID`, or nil if it was never interned.
  public func lookup(_ userID: ByteString) -> UInt32? {
    locked { lookupLocked(userID) }
  }

  private func locked<Result>(_ body: () -> Result) -> Result {
    pthread_mutex_lock(tableLock)
    defer { pthread_mutex_unlock(tableLock) }
    return body()
  }

  private func lookupLocked(_ userID: ByteString) -> UInt32? {
    userID.bytes.withUnsafeBufferPointer { bytes in
      let hash = StableHash.fnv1a64(bytes)
      if let user = find(bytes, hash: hash, in: slots) { return user }
      // Not moved over yet (a table being retired still holds every user it held).
      return retiringSlots.isEmpty ? nil : find(bytes, hash: hash, in: retiringSlots)
    }
  }

  private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, in table: [UInt32])
    -> UInt32?
  {
    let mask = table.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while table[slot] != 0 {
      let user = table[slot] - 1
      if matches(user, bytes) { return user }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// The number of `userID`, interning it first if it is new. The caller has validated the ID.
  public func intern(_ userID: ByteString) -> UInt32 {
    locked { internLocked(userID) }
  }

  private func internLocked(_ userID: ByteString) -> UInt32 {
    if let user = lookupLocked(userID) { return user }
    precondition(internedCount < Self.capacity, "more than \(Self.capacity) distinct users")
    let user = UInt32(internedCount)
    store(userID.bytes, as: Int(user))
    internedCount += 1
    if internedCount * 2 > slots.count { grow() }
    insertSlot(user, hash: hashOf(user))
    moveRetiringSlots(Self.slotsMovedPerIntern)
    return user
  }

  /// The user's ID bytes followed by one NUL: the delivery topic. Safe on any thread for a user
  /// number that reached it through a queue hop.
  public func topic(of user: UInt32) -> UnsafeRawBufferPointer {
    entry(user).topic
  }

  /// The user's ID.
  public func userID(of user: UInt32) -> ByteString {
    let topic = topic(of: user)
    return ByteString(Array(topic.prefix(topic.count - 1)))
  }

  /// Orders two users by their ID bytes: by their order keys, and only where those tie by the
  /// bytes themselves, so that most comparisons read one entry per user and no ID.
  public func precedes(_ lhs: UInt32, _ rhs: UInt32) -> Bool {
    let left = entry(lhs)
    let right = entry(rhs)
    guard left.orderKey == right.orderKey else { return left.orderKey < right.orderKey }
    return Self.compare(left.idBytes, right.idBytes) < 0
  }

  /// Whether the user's ID sorts after `bytes`.
  public func sortsAfter(_ user: UInt32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { Self.compare($0, idBytes(user)) < 0 }
  }

  /// The first eight bytes of the user's ID as a big-endian number, zeros after a shorter ID:
  /// when two users' keys differ, they are in the order of their IDs; when equal, compare IDs.
  func orderKey(of user: UInt32) -> UInt64 {
    entry(user).orderKey
  }

  /// `orderKey(of:)` of ID bytes that are not interned, such as a cursor.
  static func orderKey(of bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBytes { orderKey(of: $0) }
  }

  private static func orderKey(of bytes: UnsafeRawBufferPointer) -> UInt64 {
    var key: UInt64 = 0
    for index in 0..<8 {
      key = key << 8 | UInt64(index < bytes.count ? bytes[index] : 0)
    }
    return key
  }

  /// The order of `lexicographicallyPrecedes` over unsigned bytes (a prefix first), with one
  /// `memcmp` instead of a loop per byte: every subscribe compares a few dozen IDs to keep its
  /// channel's `SubscriberOrder`.
  private static func compare(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer)
    -> Int32
  {
    let common = min(lhs.count, rhs.count)
    if common > 0 {
      let order = memcmp(lhs.baseAddress!, rhs.baseAddress!, common)
      if order != 0 { return order }
    }
    return lhs.count < rhs.count ? -1 : (lhs.count > rhs.count ? 1 : 0)
  }

  /// The user's ID bytes where the directory keeps them, for reading them without a copy.
  func idBytes(_ user: UInt32) -> UnsafeRawBufferPointer {
    entry(user).idBytes
  }

  private func entry(_ user: UInt32) -> Entry {
    let (chunk, index) = Self.position(user)
    return entries[chunk]![index]
  }

  private static func position(_ user: UInt32) -> (chunk: Int, index: Int) {
    (Int(user) / entriesPerChunk, Int(user) % entriesPerChunk)
  }

  private func store(_ bytes: [UInt8], as user: Int) {
    let needed = bytes.count + 1
    if nameChunkUsed + needed > Self.nameChunkBytes {
      nameChunks.append(
        .allocate(byteCount: Self.nameChunkBytes, alignment: MemoryLayout<UInt8>.alignment))
      nameChunkUsed = 0
    }
    let destination = nameChunks[nameChunks.count - 1].advanced(by: nameChunkUsed)
      .bindMemory(to: UInt8.self, capacity: needed)
    bytes.withUnsafeBufferPointer { destination.initialize(from: $0.baseAddress!, count: $0.count) }
    destination[bytes.count] = 0
    nameChunkUsed += needed

    let (chunk, index) = Self.position(UInt32(user))
    if entries[chunk] == nil { entries[chunk] = .allocate(capacity: Self.entriesPerChunk) }
    (entries[chunk]! + index).initialize(
      to: Entry(
        orderKey: bytes.withUnsafeBytes { Self.orderKey(of: $0) },
        topicStart: UnsafePointer(destination), idLength: bytes.count))
  }

  private func matches(_ user: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let stored = idBytes(user)
    return stored.count == bytes.count
      && (bytes.isEmpty || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
  }

  private func hashOf(_ user: UInt32) -> UInt64 {
    StableHash.fnv1a64(idBytes(user).bindMemory(to: UInt8.self))
  }

  private func insertSlot(_ user: UInt32, hash: UInt64) {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] != 0 { slot = (slot + 1) & mask }
    slots[slot] = user + 1
  }

  /// Starts a table twice the size; the current one retires and its users move over bit by
  /// bit (`moveRetiringSlots`).
  private func grow() {
    moveRetiringSlots(retiringSlots.count)  // a move still under way ends first
    retiringSlots = slots
    movedSlots = 0
    slots = Array(repeating: 0, count: slots.count * 2)
  }

  /// Moves up to `limit` slots of the retiring table into the current one.
  private func moveRetiringSlots(_ limit: Int) {
    guard !retiringSlots.isEmpty else { return }
    let end = min(movedSlots + limit, retiringSlots.count)
    for position in movedSlots..<end where retiringSlots[position] != 0 {
      let user = retiringSlots[position] - 1
      insertSlot(user, hash: hashOf(user))
    }
    movedSlots = end
    if movedSlots == retiringSlots.count {
      retiringSlots = []
      movedSlots = 0
    }
  }
}

extension UserDirectory {
  /// What the directory keeps of one user: 16 bytes, so that a comparison reads the order key
  /// and, on a tie, where the ID lies from one cache line, and a page or a delivery finds the
  /// topic with one read.
  fileprivate struct Entry {
    /// `UserDirectory.orderKey(of:)` of the ID.
    let orderKey: UInt64
    /// The topic's address in the lower 56 bits (user-space addresses on the 64-bit platforms
    /// we run on are below 2^48), the ID's length (at most 255) in the upper 8.
    private let packedTopic: UInt64

    init(orderKey: UInt64, topicStart: UnsafePointer<UInt8>, idLength: Int) {
      let address = UInt64(UInt(bitPattern: topicStart))
      precondition(address >> 56 == 0 && idLength <= Int(UInt8.max))
      self.orderKey = orderKey
      packedTopic = UInt64(idLength) << 56 | address
    }

    /// The ID bytes followed by one NUL.
    var topic: UnsafeRawBufferPointer {
      UnsafeRawBufferPointer(
        start: UnsafeRawPointer(bitPattern: UInt(packedTopic & (1 << 56 - 1))),
        count: Int(packedTopic >> 56) + 1)
    }

    var idBytes: UnsafeRawBufferPointer {
      UnsafeRawBufferPointer(
        start: UnsafeRawPointer(bitPattern: UInt(packedTopic & (1 << 56 - 1))),
        count: Int(packedTopic >> 56))
    }
  }
}
