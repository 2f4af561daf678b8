/// The delivery envelopes: the second frame of every delivery, `{"v": 1, "type": ..., ...}`.
///
/// Each is encoded once per broadcast or event and shared by every recipient.
public enum Envelope {
  public static let version = 1

  /// The fields every `message` envelope and history entry share, up to (not including) `notify`
  /// and `payload`.
  private static func messageHead(
    officialAccountID: ByteString, msgKey: String, seq: UInt64, sendTimeMs: Int64
  ) -> JSONObjectWriter {
    var envelope = start("message")
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    envelope.add("msgKey", msgKey)
    envelope.add("seq", seq)
    envelope.add("sendTimeMs", sendTimeMs)
    return envelope
  }

  /// A `message` delivery, or with `notify` nil its history entry.
  public static func message(
    officialAccountID: ByteString, msgKey: String, seq: UInt64, sendTimeMs: Int64,
    notify: Bool?, payload: ArraySlice<UInt8>
  ) -> [UInt8] {
    var envelope = messageHead(
      officialAccountID: officialAccountID, msgKey: msgKey, seq: seq, sendTimeMs: sendTimeMs)
    if let notify { envelope.add("notify", notify) }
    envelope.add("payload", rawJSON: payload)
    return envelope.finished()
  }

  /// The history entry of a recalled message: the same entry without its payload.
  public static func messageTombstone(
    officialAccountID: ByteString, msgKey: String, seq: UInt64, sendTimeMs: Int64
  ) -> [UInt8] {
    var envelope = messageHead(
      officialAccountID: officialAccountID, msgKey: msgKey, seq: seq, sendTimeMs: sendTimeMs)
    envelope.add("recalled", true)
    return envelope.finished()
  }

  public static func messageRecalled(
    seq: UInt64, officialAccountID: ByteString, msgKey: String, reason: String
  ) -> [UInt8] {
    var envelope = start("messageRecalled")
    envelope.add("seq", seq)
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    envelope.add("msgKey", msgKey)
    envelope.add("reason", reason)
    return envelope.finished()
  }

  /// `officialAccountInfoChanged`, carrying the channel-wide view (no `subscribeTime`).
  public static func officialAccountInfoChanged(seq: UInt64, officialAccountInfo: JSONObjectWriter)
    -> [UInt8]
  {
    var envelope = start("officialAccountInfoChanged")
    envelope.add("seq", seq)
    envelope.add("officialAccountInfo", object: officialAccountInfo)
    return envelope.finished()
  }

  /// `officialAccountSubscribed`, carrying the user's view of the channel (with
  /// `subscribeTime` and `lastSeq`).
  public static func officialAccountSubscribed(officialAccountInfo: JSONObjectWriter) -> [UInt8] {
    // Sized for the whole envelope, so that the view is copied in once, without regrowing.
    var envelope = start(
      "officialAccountSubscribed", reservingCapacity: officialAccountInfo.byteCount + 80)
    envelope.add("officialAccountInfo", object: officialAccountInfo)
    return envelope.finished()
  }

  public static func officialAccountUnsubscribed(officialAccountID: ByteString) -> [UInt8] {
    var envelope = start("officialAccountUnsubscribed")
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    return envelope.finished()
  }

  public static func officialAccountDeleted(officialAccountID: ByteString) -> [UInt8] {
    var envelope = start("officialAccountDeleted")
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    return envelope.finished()
  }

  public static func subscriberMessage(
    officialAccountID: ByteString, fromUserID: ByteString, msgKey: String, sendTimeMs: Int64,
    payload: ArraySlice<UInt8>
  ) -> [UInt8] {
    var envelope = start("subscriberMessage")
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    envelope.add("fromUserID", utf8: fromUserID.bytes)
    envelope.add("msgKey", msgKey)
    envelope.add("sendTimeMs", sendTimeMs)
    envelope.add("payload", rawJSON: payload)
    return envelope.finished()
  }

  /// A gateway's notice that the batch's recipients missed entries of a channel from `fromSeq`
  /// to `toSeq` (its batches were dropped while it did not read): they fetch them with
  /// `getHistory`. Sent only on the gateway socket.
  public static func gap(officialAccountID: ByteString, fromSeq: UInt64, toSeq: UInt64) -> [UInt8] {
    var envelope = start("gap", reservingCapacity: 128)
    envelope.add("officialAccountID", utf8: officialAccountID.bytes)
    envelope.add("fromSeq", fromSeq)
    envelope.add("toSeq", toSeq)
    return envelope.finished()
  }

  private static func start(_ type: String, reservingCapacity: Int = 256) -> JSONObjectWriter {
    var envelope = JSONObjectWriter(reservingCapacity: reservingCapacity)
    envelope.add("v", version)
    envelope.add("type", type)
    return envelope
  }
}
