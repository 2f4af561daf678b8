import ChannelCastProtocol

extension Envelope {
  /// A sent message's `message` delivery, or with `notify` nil its history entry.
  static func message(_ message: JournalRecord.SentMessage, notify: Bool?) -> [UInt8] {
    Self.message(
      officialAccountID: message.officialAccountID, msgKey: message.msgKey, seq: message.seq,
      sendTimeMs: message.sendTimeMs, notify: notify, payload: message.payload[...])
  }
}

extension BroadcastEnvelopes {
  /// What each message flag receives of a sent message.
  static func message(_ message: JournalRecord.SentMessage) -> BroadcastEnvelopes {
    BroadcastEnvelopes(
      acceptAndNotify: SharedBytes(Envelope.message(message, notify: true)),
      acceptNotNotify: SharedBytes(Envelope.message(message, notify: false)), discard: nil)
  }
}
