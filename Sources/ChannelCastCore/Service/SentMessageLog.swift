import ChannelCastProtocol

/// The `sendMessage` replies of one channel by `clientMsgID`, remembered for a while so that a
/// publisher retrying after a timeout gets the first reply instead of a second broadcast.
struct SentMessageLog {
  struct Entry {
    let payloadHash: PayloadFingerprint
    let payloadCount: Int
    let msgKey: String
    let seq: UInt64
    let sendTimeMs: Int64
    let recipientCount: Int
    let sentAtMs: Int64

    /// The reply `sendMessage` gave, to give it again.
    var result: JSONObjectWriter {
      var result = JSONObjectWriter()
      result.add("msgKey", msgKey)
      result.add("seq", seq)
      result.add("sendTimeMs", sendTimeMs)
      result.add("recipientCount", recipientCount)
      return result
    }
  }

  private var entries: [String: Entry] = [:]
  /// Client message IDs in the order they were sent, to forget them when they expire.
  private var expiryOrder: [(clientMsgID: String, sentAtMs: Int64)] = []
  private var expiryHead = 0

  mutating func entry(for clientMsgID: String, nowMs: Int64, retentionMs: Int64) -> Entry? {
    forgetExpired(nowMs: nowMs, retentionMs: retentionMs)
    return entries[clientMsgID]
  }

  mutating func record(_ entry: Entry, for clientMsgID: String) {
    entries[clientMsgID] = entry
    expiryOrder.append((clientMsgID, entry.sentAtMs))
  }

  private mutating func forgetExpired(nowMs: Int64, retentionMs: Int64) {
    while expiryHead < expiryOrder.count,
      expiryOrder[expiryHead].sentAtMs + retentionMs <= nowMs
    {
      entries[expiryOrder[expiryHead].clientMsgID] = nil
      expiryHead += 1
    }
    if expiryHead > 0 && expiryHead * 2 >= expiryOrder.count {
      expiryOrder.removeFirst(expiryHead)
      expiryHead = 0
    }
  }

  /// A fingerprint of the payload: SipHash with this process's random key, so that a
  /// publisher cannot craft two payloads that pass for the same one, and FNV-1a besides.
  static func hash(_ payload: ArraySlice<UInt8>) -> PayloadFingerprint {
    payload.withUnsafeBufferPointer { bytes in
      var hasher = Hasher()
      hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
      return PayloadFingerprint(keyed: hasher.finalize(), stable: StableHash.fnv1a64(bytes))
    }
  }

  struct PayloadFingerprint {
    /// Nil for an entry loaded from a snapshot: the key of the process that wrote it is gone.
    let keyed: Int?
    let stable: UInt64

    /// Whether two payloads pass for the same one: both hashes agree where both are known.
    func matches(_ other: PayloadFingerprint) -> Bool {
      stable == other.stable && (keyed == nil || other.keyed == nil || keyed == other.keyed)
    }
  }

  /// The remembered entries, oldest first, for a snapshot.
  var retainedEntries: [(clientMsgID: String, entry: Entry)] {
    expiryOrder[expiryHead...].compactMap { clientMsgID, sentAtMs in
      guard let entry = entries[clientMsgID], entry.sentAtMs == sentAtMs else { return nil }
      return (clientMsgID, entry)
    }
  }
}
