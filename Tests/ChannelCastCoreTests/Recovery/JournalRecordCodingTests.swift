import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

@Suite struct JournalRecordCodingTests {
  static let account: OfficialAccount = {
    var account = OfficialAccount(
      officialAccountID: ByteString("@TOA#_news"), officialAccountName: "Nouvelles ✓",
      ownerUserID: ByteString("owner"), createTime: 1_800_000_000, maxSubscriberCount: 100_000,
      lastSeq: 41)
    account.faceUrl = "https://example.com/f.png"
    account.customData = "{\"x\":1}"
    account.lastMessageTime = 1_800_000_100
    account.lastSendTimeMs = 1_800_000_100_123
    return account
  }()

  static let everyKind: [JournalRecord] = [
    .channelCreated(account),
    .channelChanged(
      .init(
        officialAccountID: ByteString("@TOA#_news"), seq: 42, timeMs: -5,
        officialAccountName: "N", faceUrl: "", organization: "o", introduction: "i",
        customData: "", maxSubscriberCount: 7)),
    .channelDeleted(officialAccountID: ByteString("@TOA#_news")),
    .subscribed(
      officialAccountID: ByteString("@TOA#_news"), userID: ByteString("ü"),
      subscribeTime: .max),
    .unsubscribed(officialAccountID: ByteString("@TOA#_news"), userID: ByteString("u")),
    .subscriptionOptionsChanged(
      .init(
        officialAccountID: ByteString("@TOA#_a"), userID: ByteString("u"), flag: .discard,
        customData: nil)),
    .subscriptionOptionsChanged(
      .init(
        officialAccountID: ByteString("@TOA#_a"), userID: ByteString("u"), flag: nil,
        customData: "")),
    .messageSent(
      .init(
        officialAccountID: ByteString("@TOA#_a"), seq: 1 << 40, msgKey: "k", sendTimeMs: 3,
        sentAtMs: 2, recipientCount: 1_000_000, clientMsgID: "c", payload: Array("{}".utf8))),
    .messageSent(
      .init(
        officialAccountID: ByteString("@TOA#_a"), seq: 1, msgKey: "k", sendTimeMs: 3,
        sentAtMs: 2, recipientCount: 0, clientMsgID: nil, payload: Array("\"x\"".utf8))),
    .messageRecalled(
      .init(
        officialAccountID: ByteString("@TOA#_a"), msgKey: "k", messageSeq: 1, seq: 2,
        reason: "oops", timeMs: 9)),
    .subscriberMessage(
      .init(
        officialAccountID: ByteString("@TOA#_a"), fromUserID: ByteString("u"), msgKey: "m",
        sendTimeMs: 4, payload: Array("1".utf8))),
    .messageFannedOut(officialAccountID: ByteString("@TOA#_a"), seq: 12),
  ]

  @Test(arguments: everyKind)
  func everyRecordDecodesToItself(_ record: JournalRecord) throws {
    var body: [UInt8] = []
    record.encode(into: &body)
    let decoded = try body.withUnsafeBytes {
      try JournalRecord.decode(type: record.type, body: $0)
    }
    #expect(decoded == record)
  }

  @Test(arguments: everyKind)
  func aRecordCutShortIsAnErrorNotACrash(_ record: JournalRecord) {
    var body: [UInt8] = []
    record.encode(into: &body)
    for length in 0..<body.count {
      #expect(throws: RecordDecodingError.self) {
        try body[..<length].withUnsafeBytes {
          try JournalRecord.decode(type: record.type, body: $0)
        }
      }
    }
  }

  @Test func bytesAfterTheLastFieldAreAnError() {
    var body: [UInt8] = []
    JournalRecord.channelDeleted(officialAccountID: ByteString("@TOA#_a")).encode(into: &body)
    body.append(0)
    #expect(throws: RecordDecodingError.trailingBytes(1)) {
      try body.withUnsafeBytes { try JournalRecord.decode(type: 3, body: $0) }
    }
  }

  @Test func anUnknownTypeIsAnError() {
    #expect(throws: RecordDecodingError.unknownType(200)) {
      try [UInt8]().withUnsafeBytes { try JournalRecord.decode(type: 200, body: $0) }
    }
  }
}
