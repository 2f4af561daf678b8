import ChannelCastProtocol

/// Every channel of the state, by number and by ID: the one owner of channel numbering, ID
/// lookup, the ID order that `listOfficialAccounts` pages through, the last seq of deleted
/// channels and each channel's `ChannelState`.
///
/// A channel's number names it inside the process (the subscription index and the fan-out use
/// it); the journal and snapshots name channels by ID only. A deleted channel's number is
/// reused by the next channel created.
///
/// Ownership: a value inside `ChannelCastState`, changed only by its `apply` and by the
/// snapshot loader, on the command thread.
struct ChannelTable {
  /// Channel state by number; a vacant placeholder for a free number. Chunked for snapshots
  /// (see `ChunkedArray`). Not optional: an element read through an optional would have to be
  /// unwrapped inside `subscript`'s read accessor, and a debug build then hands callers a copy
  /// that is freed before they are done with it (AddressSanitizer showed it).
  private(set) var states = ChunkedArray<ChannelState>()
  private var numbers: [ByteString: UInt32] = [:]
  /// The numbers of deleted channels, for the next ones created.
  private(set) var freeNumbers: [UInt32] = []
  /// Every channel's ID in byte order, for listing.
  private var sortedIDs: [ByteString] = []
  /// The last seq of deleted channels, so that a channel re-created under the same ID continues
  /// its stream rather than repeating seqs its subscribers have seen.
  private(set) var retiredLastSeqs: [ByteString: UInt64] = [:]

  /// The number of channels.
  var count: Int { numbers.count }

  /// The number of the channel with this ID, if there is one.
  func number(of id: ByteString) -> UInt32? {
    numbers[id]
  }

  /// The numbers of every channel, in no particular order.
  var allNumbers: Dictionary<ByteString, UInt32>.Values { numbers.values }

  /// An existing channel's state (a number `number(of:)` or `insert` gave): a copy to read,
  /// changed in place. Reading a field through it copies the whole state, retaining and
  /// releasing every string and array in it; the frequent reads have methods of their own below,
  /// which read in place.
  ///
  /// Not a `_read` accessor: one that yields from `ChunkedArray`'s own `_read` hands callers, in
  /// a debug build, a value freed before they are done with it (AddressSanitizer showed it).
  subscript(number: UInt32) -> ChannelState {
    get { states[Int(number)] }
    _modify { yield &states[Int(number)] }
  }

  func officialAccountID(of number: UInt32) -> ByteString {
    states[Int(number)].account.officialAccountID
  }

  func maxSubscriberCount(of number: UInt32) -> Int {
    states[Int(number)].account.maxSubscriberCount
  }

  func lastSeq(of number: UInt32) -> UInt64 {
    states[Int(number)].account.lastSeq
  }

  /// The last `sendTimeMs` the channel handed out.
  func lastSendTimeMs(of number: UInt32) -> Int64 {
    states[Int(number)].account.lastSendTimeMs
  }

  /// The channel's `officialAccountUnsubscribed` envelope, shared by all those events.
  func unsubscribedEnvelope(of number: UInt32) -> SharedBytes {
    states[Int(number)].unsubscribedEnvelope
  }

  /// The channel's info as the protocol shows it, optionally in one subscriber's view.
  func view(of number: UInt32, subscriberCount: Int, subscribeTime: UInt32?) -> JSONObjectWriter {
    .officialAccountInfo(
      states[Int(number)].account, staticInfo: states[Int(number)].staticInfo,
      subscriberCount: subscriberCount, subscribeTime: subscribeTime)
  }

  /// The seq a channel deleted under `id` had reached, if one was.
  func retiredLastSeq(of id: ByteString) -> UInt64? {
    retiredLastSeqs[id]
  }

  /// Adds a channel under a free number and returns the number. The channel's ID must be new.
  mutating func insert(_ state: ChannelState) -> UInt32 {
    let id = state.account.officialAccountID
    precondition(numbers[id] == nil, "channel \(id) exists")
    retiredLastSeqs[id] = nil
    let number: UInt32
    if let free = freeNumbers.popLast() {
      number = free
      states[Int(number)] = state
    } else {
      number = UInt32(states.count)
      states.append(state)
    }
    numbers[id] = number
    sortedIDs.insert(id, at: Self.insertionPoint(of: id, in: sortedIDs))
    return number
  }

  /// Removes a channel, remembering its last seq, and frees its number.
  mutating func remove(_ number: UInt32) {
    let id = officialAccountID(of: number)
    retiredLastSeqs[id] = lastSeq(of: number)
    states[Int(number)] = .vacant
    numbers[id] = nil
    freeNumbers.append(number)
    sortedIDs.remove(at: Self.insertionPoint(of: id, in: sortedIDs))
  }

  /// Restores a deleted channel's last seq from a snapshot.
  mutating func restoreRetiredLastSeq(_ seq: UInt64, of id: ByteString) {
    retiredLastSeqs[id] = seq
  }

  /// Up to `limit` channel IDs after `cursor` (from the first without one), in byte order, and
  /// whether more follow.
  func ids(after cursor: ByteString?, limit: Int) -> (ids: ArraySlice<ByteString>, hasMore: Bool) {
    let start = cursor.map { Self.insertionPoint(after: $0, in: sortedIDs) } ?? 0
    let end = min(start + limit, sortedIDs.count)
    return (sortedIDs[start..<end], end < sortedIDs.count && end > start)
  }

  /// The first position whose ID is not below `id`.
  private static func insertionPoint(of id: ByteString, in ids: [ByteString]) -> Int {
    var low = 0
    var high = ids.count
    while low < high {
      let middle = (low + high) / 2
      if ids[middle] < id { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The first position whose ID sorts after `id`.
  private static func insertionPoint(after id: ByteString, in ids: [ByteString]) -> Int {
    let position = insertionPoint(of: id, in: ids)
    return position < ids.count && ids[position] == id ? position + 1 : position
  }
}
