/// The payloads one channel sent recently, by fingerprint, with the message each went out as:
/// what refuses the same content twice within the duplicate window (as the Official Account
/// service does).
struct RecentPayloads {
  private var messages: [PayloadKey: (msgKey: String, sentAtMs: Int64)] = [:]
  private var order: [(key: PayloadKey, sentAtMs: Int64)] = []
  private var head = 0

  struct PayloadKey: Hashable {
    let keyed: Int
    let stable: UInt64
    let count: Int
  }

  /// The earlier message with the same payload within `windowMs` of `nowMs`, if any.
  mutating func earlier(
    _ payload: SentMessageLog.PayloadFingerprint, count: Int, nowMs: Int64, windowMs: Int64
  ) -> String? {
    forgetOlder(than: nowMs - windowMs)
    return messages[Self.key(payload, count: count)]?.msgKey
  }

  mutating func record(
    _ payload: SentMessageLog.PayloadFingerprint, count: Int, msgKey: String, sentAtMs: Int64
  ) {
    let key = Self.key(payload, count: count)
    messages[key] = (msgKey, sentAtMs)
    order.append((key, sentAtMs))
  }

  private mutating func forgetOlder(than limitMs: Int64) {
    while head < order.count, order[head].sentAtMs <= limitMs {
      let key = order[head].key
      if let entry = messages[key], entry.sentAtMs <= limitMs { messages[key] = nil }
      head += 1
    }
    if head > 0 && head * 2 >= order.count {
      order.removeFirst(head)
      head = 0
    }
  }

  /// The payload's fingerprint as `SentMessageLog` takes it (keyed SipHash and FNV-1a) and its
  /// length, so that a publisher cannot craft another payload that passes for the same.
  private static func key(_ fingerprint: SentMessageLog.PayloadFingerprint, count: Int)
    -> PayloadKey
  {
    PayloadKey(keyed: fingerprint.keyed ?? 0, stable: fingerprint.stable, count: count)
  }
}
