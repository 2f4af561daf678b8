/// The retained tail of one channel's stream: at most `maxEntries` entries and `maxBytes` of
/// encoded entries, none older than `maxAgeMs` (when set), oldest evicted first. Entries are consecutive in `seq`, so a position is
/// found by arithmetic.
public struct ChannelHistory: Sendable {
  /// What recalling a message key found.
  public enum RecallLookup: Equatable, Sendable {
    /// A retained message that is not recalled yet; its seq and send time.
    case retained(seq: UInt64, sendTimeMs: Int64)
    case alreadyRecalled
    case notRetained
  }

  public private(set) var maxEntries: Int
  public private(set) var maxBytes: Int
  /// The age after which an entry is evicted, in milliseconds; 0 keeps entries of any age.
  public private(set) var maxAgeMs: Int64
  private var entries: [HistoryEntry] = []
  /// Entries before `head` are evicted; compacted when they make up half of the array.
  private var head = 0
  private var seqByMsgKey: [String: UInt64] = [:]
  public private(set) var encodedBytes = 0

  public init(maxEntries: Int, maxBytes: Int, maxAgeMs: Int64 = 0) {
    self.maxEntries = maxEntries
    self.maxBytes = maxBytes
    self.maxAgeMs = maxAgeMs
  }

  public var count: Int { entries.count - head }

  /// The oldest retained seq, or `lastSeq + 1` when nothing is retained.
  public func oldestSeq(lastSeq: UInt64) -> UInt64 {
    count == 0 ? lastSeq + 1 : entries[head].seq
  }

  public mutating func append(_ entry: HistoryEntry) {
    precondition(count == 0 || entry.seq == entries[entries.count - 1].seq + 1)
    entries.append(entry)
    encodedBytes += entry.encoded.count
    if case .message(let msgKey, _, _) = entry.kind {
      seqByMsgKey[msgKey] = entry.seq
    }
    while count > 0 && (count > maxEntries || encodedBytes > maxBytes) {
      evictOldest()
    }
    evictExpired(nowMs: entry.timeMs)
  }

  /// Changes the retention limits, evicting at once what the new ones do not keep.
  public mutating func setRetention(
    maxEntries: Int, maxBytes: Int, maxAgeMs: Int64, nowMs: Int64
  ) {
    self.maxEntries = maxEntries
    self.maxBytes = maxBytes
    self.maxAgeMs = maxAgeMs
    while count > 0 && (count > maxEntries || encodedBytes > maxBytes) {
      evictOldest()
    }
    evictExpired(nowMs: nowMs)
  }

  /// Evicts the entries older than `maxAgeMs` at `nowMs`.
  public mutating func evictExpired(nowMs: Int64) {
    guard maxAgeMs > 0 else { return }
    while count > 0 && entries[head].timeMs < nowMs - maxAgeMs {
      evictOldest()
    }
  }

  /// Up to `limit` entries with seq greater than `afterSeq`, oldest first.
  public func entries(after afterSeq: UInt64, limit: Int) -> ArraySlice<HistoryEntry> {
    guard count > 0 else { return [] }
    let oldest = entries[head].seq
    let skip = afterSeq >= oldest ? Int(min(afterSeq - oldest + 1, UInt64(count))) : 0
    let start = head + skip
    return entries[start..<min(start + limit, entries.count)]
  }

  public func lookUpForRecall(msgKey: String) -> RecallLookup {
    guard let seq = seqByMsgKey[msgKey], let position = position(of: seq),
      case .message(_, let sendTimeMs, let recalled) = entries[position].kind
    else { return .notRetained }
    return recalled ? .alreadyRecalled : .retained(seq: seq, sendTimeMs: sendTimeMs)
  }

  /// Turns a retained message into its tombstone.
  public mutating func markRecalled(seq: UInt64, tombstone: [UInt8]) {
    guard let position = position(of: seq),
      case .message(let msgKey, let sendTimeMs, false) = entries[position].kind
    else { return }
    encodedBytes += tombstone.count - entries[position].encoded.count
    entries[position].kind = .message(msgKey: msgKey, sendTimeMs: sendTimeMs, recalled: true)
    entries[position].encoded = tombstone
  }

  private func position(of seq: UInt64) -> Int? {
    guard count > 0, seq >= entries[head].seq else { return nil }
    let position = head + Int(seq - entries[head].seq)
    return position < entries.count ? position : nil
  }

  private mutating func evictOldest() {
    let evicted = entries[head]
    encodedBytes -= evicted.encoded.count
    if case .message(let msgKey, _, _) = evicted.kind {
      seqByMsgKey[msgKey] = nil
    }
    entries[head].encoded = []  // release the bytes now, not at the next compaction
    head += 1
    if head * 2 >= entries.count {
      entries.removeFirst(head)
      head = 0
    }
  }
}
