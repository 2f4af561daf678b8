import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

/// Records that decode but hold what the service never writes and cannot serve are refused,
/// so that recovery stops with an error naming them rather than the daemon crashing or
/// answering with broken JSON later (each found by the journal fuzz target).
@Suite struct RecoveryRefusalTests {
  private static func account(
    id: [UInt8] = Array("@TOA#_news".utf8), owner: [UInt8] = Array("owner".utf8),
    lastSeq: UInt64 = 0
  ) -> OfficialAccount {
    OfficialAccount(
      officialAccountID: ByteString(id), officialAccountName: "News",
      ownerUserID: ByteString(owner), createTime: 1_800_000_000, maxSubscriberCount: 10,
      lastSeq: lastSeq)
  }

  private static func message(
    seq: UInt64 = 1, sentAtMs: Int64 = 1_800_000_000_000, payload: String = "{}"
  ) -> JournalRecord {
    .messageSent(
      .init(
        officialAccountID: ByteString("@TOA#_news"), seq: seq, msgKey: "k",
        sendTimeMs: sentAtMs, sentAtMs: sentAtMs, recipientCount: 0, clientMsgID: "c",
        payload: Array(payload.utf8)))
  }

  /// Each record names what is wrong with it.
  static let refused: [(record: JournalRecord, why: String)] = [
    (.channelCreated(account(id: Array("@TOA#_".utf8) + [0xFF, 0xFE])), "not UTF-8"),
    (.channelCreated(account(id: Array("news".utf8))), "must start with @TOA#_"),
    (.channelCreated(account(owner: [])), "must not be empty"),
    (.channelCreated(account(lastSeq: .max)), "a seq of"),
    (
      .subscribed(
        officialAccountID: ByteString("@TOA#_news"),
        userID: ByteString(Array(repeating: UInt8(ascii: "u"), count: 300)), subscribeTime: 1),
      "the limit is 64"
    ),
    (
      .subscribed(
        officialAccountID: ByteString("@TOA#_news"), userID: ByteString("a\u{0}b"),
        subscribeTime: 1), "control characters"
    ),
    (message(seq: UInt64(Int64.max) + 1), "a seq of"),
    (message(sentAtMs: .max), "a time of"),
    (message(payload: "{\"unclosed\":"), "not JSON"),
  ]

  @Test(arguments: refused)
  func aRecordTheServiceCannotServeDoesNotDecode(_ record: JournalRecord, why: String) {
    var body: [UInt8] = []
    record.encode(into: &body)
    let error = #expect(throws: RecordDecodingError.self) {
      try body.withUnsafeBytes { try JournalRecord.decode(type: record.type, body: $0) }
    }
    #expect(error?.description.contains(why) == true, "\(String(describing: error))")
  }

  // MARK: Snapshot histories

  /// A snapshot of one channel at `lastSeq` whose history holds entries with `historySeqs`.
  private static func snapshot(lastSeq: UInt64, historySeqs: [UInt64], entry: String = "{}")
    -> [(type: SnapshotRecordType, body: [UInt8])]
  {
    var header: [UInt8] = []
    header.appendSignedVarint(1_800_000_000_000)
    for count in [0, 1, 0] { header.appendVarint(count) }  // users, channels, subscriptions
    var channel: [UInt8] = []
    account(lastSeq: lastSeq).encode(into: &channel)
    channel.appendVarint(0)  // no clientMsgIDs
    var history: [UInt8] = []
    history.appendVarint(historySeqs.count)
    for seq in historySeqs {
      history.appendVarint(seq)
      history.appendSignedVarint(1_800_000_000_000)
      history.append(2)  // officialAccountInfoChanged
      history.appendLengthPrefixed(Array(entry.utf8))
    }
    var end: [UInt8] = []
    end.appendVarint(3)
    return [(.header, header), (.channel, channel), (.history, history), (.end, end)]
  }

  private static func load(_ records: [(type: SnapshotRecordType, body: [UInt8])]) throws {
    let state = ChannelCastState(
      shardCount: 1, directory: UserDirectory(), retention: HistoryRetention(ServiceLimits()))
    var loader = SnapshotLoader(into: state)
    for record in records {
      try record.body.withUnsafeBytes { try loader.load(type: record.type.rawValue, body: $0) }
    }
    try loader.finish()
  }

  @Test func aHistoryUpToItsChannelsLastSeqLoads() throws {
    try Self.load(Self.snapshot(lastSeq: 5, historySeqs: [3, 4, 5]))
    try Self.load(Self.snapshot(lastSeq: 5, historySeqs: []))
  }

  @Test(arguments: [
    ([3, 5, 6] as [UInt64], "history entry 5 after entry 3"),
    ([5, 6, 7], "of a channel at seq 6"),
    ([3, 4], "ends at seq 4; the channel is at seq 6"),
  ])
  func aHistoryThatIsNotConsecutiveUpToItsChannelsLastSeqIsRefused(
    _ seqs: [UInt64], why: String
  ) {
    let error = #expect(throws: RecoveryError.self) {
      try Self.load(Self.snapshot(lastSeq: 6, historySeqs: seqs))
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains(why), "\(String(describing: error))")
  }

  @Test func aHistoryEntryThatIsNotAJSONObjectIsRefused() {
    #expect(throws: RecoveryError.self) {
      try Self.load(Self.snapshot(lastSeq: 1, historySeqs: [1], entry: "[1]"))
    }
  }
}
