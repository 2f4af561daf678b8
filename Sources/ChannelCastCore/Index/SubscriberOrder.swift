/// A channel's subscribers in the order of their user ID bytes, so that a page of subscribers
/// costs a seek and a walk instead of a pass over the whole channel.
///
/// The user numbers lie in sorted blocks of at most `blockCapacity`, laid end to end in order:
/// every user of a block sorts before every user of the next. Two levels are enough: at ten
/// million subscribers the list of blocks holds a few tens of thousands of references.
///
/// Guarantees, for n subscribers (each comparison reads two users' entries from the
/// `UserDirectory`, and their IDs only when the first eight bytes tie):
/// - `users(after:limit:by:)` costs O(log n + limit): a binary search over the blocks' last
///   users (by the first eight bytes of their IDs, kept next to the blocks), one inside a block,
///   then a walk.
/// - `insert` and `remove` cost O(log n) comparisons and move at most `blockCapacity` numbers,
///   except when a block splits (at most once per `blockCapacity / 2` inserts into it) or merges,
///   which also moves the n / `blockCapacity` block references: never O(n) numbers.
/// - Memory: 4 bytes per subscriber, in blocks built to fit and grown by doubling up to
///   `blockCapacity`; a split leaves blocks half full; a removal merges two neighbouring blocks
///   that fit together in half a block, so every two neighbours hold more than half a block and
///   blocks stay more than a quarter full on average whatever the changes.
///
/// A value type whose blocks are copied on write one at a time: a snapshot of the index that
/// holds it costs the next change one block, not the channel.
struct SubscriberOrder {
  static let blockCapacity = 512

  private var blocks: [ContiguousArray<UInt32>] = []
  /// `UserDirectory.orderKey` of each block's last user: the search for a block compares these
  /// and reads the directory (a cache miss or more each) only on a tie.
  private var lastKeys: [UInt64] = []
  /// The number of subscribers.
  private(set) var count = 0

  init() {}

  /// The order of `users` (distinct, in any order) built at once, for loading a snapshot: one
  /// sort by `UserDirectory.orderKey`, each user's read once (IDs compared only where keys
  /// tie), instead of an insert per user, each a dozen cache misses. Blocks are three quarters
  /// full, so that the inserts that follow do not split them all at once, and hold no spare
  /// room until their first insert: most channels take few changes after a restart.
  init(ordering users: some Sequence<UInt32>, by directory: UserDirectory) {
    var keyed = users.map { (key: directory.orderKey(of: $0), user: $0) }
    keyed.sort { $0.key != $1.key ? $0.key < $1.key : directory.precedes($0.user, $1.user) }
    let fill = Self.blockCapacity * 3 / 4
    for start in stride(from: 0, to: keyed.count, by: fill) {
      let block = ContiguousArray(keyed[start..<min(start + fill, keyed.count)].lazy.map(\.user))
      blocks.append(block)
      lastKeys.append(keyed[start + block.count - 1].key)
    }
    count = keyed.count
  }

  /// Adds a user that is not in the order yet.
  mutating func insert(_ user: UInt32, by directory: UserDirectory) {
    count += 1
    let key = directory.orderKey(of: user)
    guard !blocks.isEmpty else {
      blocks.append([user])
      lastKeys.append(key)
      return
    }
    // The first block whose last user sorts after this one, or the last block.
    var block = min(
      Self.partitionPoint(blocks.count) {
        lastKeys[$0] > key || (lastKeys[$0] == key && directory.precedes(user, blocks[$0].last!))
      },
      blocks.count - 1)
    if blocks[block].count == Self.blockCapacity {
      split(block, by: directory)
      if directory.precedes(blocks[block].last!, user) { block += 1 }
    } else if blocks[block].count == blocks[block].capacity {
      // Growth by doubling, as an array's own, but never past a block's capacity.
      blocks[block].reserveCapacity(min(2 * blocks[block].capacity, Self.blockCapacity))
    }
    let position = Self.partitionPoint(blocks[block].count) {
      directory.precedes(user, blocks[block][$0])
    }
    blocks[block].insert(user, at: position)
    if position == blocks[block].count - 1 { lastKeys[block] = key }
  }

  /// Removes a user; false if it is not in the order.
  @discardableResult
  mutating func remove(_ user: UInt32, by directory: UserDirectory) -> Bool {
    let key = directory.orderKey(of: user)
    // The first block whose last user does not sort before this one.
    let block = Self.partitionPoint(blocks.count) {
      lastKeys[$0] > key
        || (lastKeys[$0] == key && !directory.precedes(blocks[$0].last!, user))
    }
    guard block < blocks.count else { return false }
    let position = Self.partitionPoint(blocks[block].count) {
      !directory.precedes(blocks[block][$0], user)
    }
    guard position < blocks[block].count, blocks[block][position] == user else { return false }
    blocks[block].remove(at: position)
    count -= 1
    if let last = blocks[block].last { lastKeys[block] = directory.orderKey(of: last) }
    mergeIfSparse(block)
    return true
  }

  /// The first `limit` users whose ID sorts after `cursor` (from the first user without one),
  /// in order, and whether more follow.
  func users(after cursor: [UInt8]?, limit: Int, by directory: UserDirectory)
    -> (users: [UInt32], hasMore: Bool)
  {
    var block = 0
    var position = 0
    if let cursor {
      let key = UserDirectory.orderKey(of: cursor)
      func sortsAfterCursor(_ user: UInt32, key userKey: UInt64) -> Bool {
        userKey != key ? userKey > key : directory.sortsAfter(user, cursor)
      }
      block = Self.partitionPoint(blocks.count) {
        sortsAfterCursor(blocks[$0].last!, key: lastKeys[$0])
      }
      if block < blocks.count {
        position = Self.partitionPoint(blocks[block].count) {
          let user = blocks[block][$0]
          return sortsAfterCursor(user, key: directory.orderKey(of: user))
        }
      }
    }
    var users: [UInt32] = []
    users.reserveCapacity(min(limit, count))
    while block < blocks.count, users.count < limit {
      let end = min(blocks[block].count, position + limit - users.count)
      users += blocks[block][position..<end]
      position = end
      if position == blocks[block].count {
        block += 1
        position = 0
      }
    }
    // Blocks are never empty, so any block left holds a user after the page.
    return (users, block < blocks.count)
  }

  /// The memory guarantee: every two neighbouring blocks hold more than half a block together.
  var neighbouringBlocksHoldMoreThanHalfABlock: Bool {
    zip(blocks, blocks.dropFirst()).allSatisfy { $0.count + $1.count > Self.blockCapacity / 2 }
  }

  /// Splits a full block into two halves, each with room to fill up without reallocating.
  private mutating func split(_ block: Int, by directory: UserDirectory) {
    let half = blocks[block].count / 2
    var upper = ContiguousArray<UInt32>()
    upper.reserveCapacity(Self.blockCapacity)
    upper += blocks[block][half...]
    blocks[block].removeSubrange(half...)
    blocks.insert(upper, at: block + 1)
    lastKeys.insert(lastKeys[block], at: block + 1)
    lastKeys[block] = directory.orderKey(of: blocks[block].last!)
  }

  /// Drops an empty block, or merges a block into a neighbour while the two fit together in
  /// half a block.
  private mutating func mergeIfSparse(_ block: Int) {
    if blocks[block].isEmpty {
      blocks.remove(at: block)
      lastKeys.remove(at: block)
      return
    }
    var block = block
    if block > 0, blocks[block - 1].count + blocks[block].count <= Self.blockCapacity / 2 {
      blocks[block - 1] += blocks[block]
      blocks.remove(at: block)
      lastKeys.remove(at: block - 1)
      block -= 1
    }
    if block + 1 < blocks.count,
      blocks[block].count + blocks[block + 1].count <= Self.blockCapacity / 2
    {
      blocks[block] += blocks[block + 1]
      blocks.remove(at: block + 1)
      lastKeys.remove(at: block)
    }
  }

  /// The first index in `0..<count` for which `isAfter` holds, or `count`; `isAfter` must be
  /// false and then true along the indices.
  private static func partitionPoint(_ count: Int, _ isAfter: (Int) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if isAfter(middle) { high = middle } else { low = middle + 1 }
    }
    return low
  }
}
