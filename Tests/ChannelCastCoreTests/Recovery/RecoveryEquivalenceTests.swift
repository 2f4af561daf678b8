import ChannelCastProtocol
import Foundation
import Testing

@testable import ChannelCastCore

/// Deciding and applying agree, and recovery rebuilds the same state the live service had: a
/// state fed only the live service's records, record by record, by replaying its journal, by
/// loading its snapshot, and by loading a snapshot taken midway and replaying the journal after
/// it. "The same" is judged through the protocol: every read request answers byte for byte
/// alike.
@Suite struct RecoveryEquivalenceTests {
  private static let channelIDs = (0..<6).map { "@TOA#_c\($0)" }
  private static let userIDs = (0..<40).map { "user-\($0)" }
  private let clock = ManualClock()

  private static let limits = {
    var limits = ServiceLimits()
    limits.historySize = 20
    return limits
  }()

  /// An empty state, as recovery starts from.
  private func makeState() -> ChannelCastState {
    ChannelCastState(
      shardCount: 3, directory: UserDirectory(), retention: HistoryRetention(Self.limits))
  }

  /// A service deciding against `state` (a new one by default) and journaling into `log`.
  private func makeService(state: ChannelCastState? = nil, log: RecordingLog? = nil)
    -> ChannelCastService
  {
    let state = state ?? makeState()
    return ChannelCastService(
      state: state, limits: Self.limits,
      fanOut: FanOut(shardCount: 3, directory: state.directory, sink: RecordingSink()), log: log,
      clock: clock)
  }

  /// Random requests of every kind that changes state; returns the snapshot taken after
  /// `snapshotAfter` requests and how many journal records preceded it.
  /// `afterEach` is called after each request with its step.
  private func runWorkload(
    on service: ChannelCastService, log: RecordingLog, requests: Int, seed: UInt64,
    snapshotAfter: Int, afterEach: (Int) throws -> Void = { _ in }
  ) rethrows -> (snapshot: ServiceSnapshot, recordsBefore: Int) {
    var random = SplitMix64(seed: seed)
    var msgKeys: [String: [String]] = [:]
    var snapshot: ServiceSnapshot?
    var recordsBefore = 0
    for step in 0..<requests {
      if step == snapshotAfter {
        snapshot = service.state.takeSnapshot(takenAtMs: clock.nowMilliseconds())
        recordsBefore = log.records.count
      }
      let channel = Self.channelIDs.randomElement(using: &random)!
      let user = Self.userIDs.randomElement(using: &random)!
      let request: String
      switch Int.random(in: 0..<100, using: &random) {
      case 0..<8:
        request =
          #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"\#(user)","officialAccountName":"N\#(step)"}"#
      case 8..<40:
        request =
          #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
      case 40..<45:
        let batch = (0..<5).map { _ in "\"\(Self.userIDs.randomElement(using: &random)!)\"" }
        request =
          #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userIDList":[\#(batch.joined(separator: ","))]}"#
      case 45..<55:
        request =
          #"{"op":"unsubscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
      case 55..<62:
        let flag = MessageFlag.allCases.randomElement(using: &random)!.name
        request =
          #"{"op":"setSubscriptionOptions","officialAccountID":"\#(channel)","userID":"\#(user)","msgFlag":"\#(flag)","customData":"cd\#(step % 3 == 0 ? "" : String(step))"}"#
      case 62..<67:
        request =
          #"{"op":"setOfficialAccountInfo","officialAccountID":"\#(channel)","introduction":"i\#(step)","maxSubscriberCount":\#(30 + step % 20)}"#
      case 67..<85:
        let retry = Bool.random(using: &random) ? #","clientMsgID":"m\#(step % 7)""# : ""
        request =
          #"{"op":"sendMessage","officialAccountID":"\#(channel)","payload":{"n":\#(step)}\#(retry)}"#
      case 85..<90:
        let key = msgKeys[channel]?.randomElement(using: &random) ?? "none"
        request =
          #"{"op":"recallMessages","officialAccountID":"\#(channel)","msgKeys":["\#(key)"],"reason":"r"}"#
      case 90..<93:
        request = #"{"op":"deleteOfficialAccount","officialAccountID":"\#(channel)"}"#
      case 93..<96:
        request =
          #"{"op":"sendMessageToOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)","payload":"hi"}"#
      default:
        clock.advance(milliseconds: Int64.random(in: 1...120_000, using: &random))
        continue
      }
      let reply = service.reply(to: request)
      if let object = try? JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any],
        let result = object["result"] as? [String: Any], let key = result["msgKey"] as? String,
        request.contains("\"sendMessage\"")
      {
        msgKeys[channel, default: []].append(key)
      }
      clock.advance(milliseconds: 7)
      try afterEach(step)
    }
    return (snapshot!, recordsBefore)
  }

  /// Every read the protocol offers, answered by `service`.
  private func observe(_ service: ChannelCastService) -> [String] {
    var requests = [#"{"op":"listOfficialAccounts","limit":100}"#]
    for channel in Self.channelIDs {
      requests += [
        #"{"op":"getOfficialAccountsInfo","officialAccountIDList":["\#(channel)"]}"#,
        #"{"op":"getSubscribers","officialAccountID":"\#(channel)","limit":100}"#,
        #"{"op":"getHistory","officialAccountID":"\#(channel)","limit":100}"#,
      ]
    }
    for user in Self.userIDs {
      requests.append(
        #"{"op":"getOfficialAccountsInfo","officialAccountIDList":[],"userID":"\#(user)","limit":100}"#
      )
      for channel in Self.channelIDs {
        requests.append(
          #"{"op":"setSubscriptionOptions","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
        )
      }
    }
    return requests.map { String(decoding: service.handle(Array($0.utf8)).reply, as: UTF8.self) }
  }

  /// The first read that answers differently, or nil: a failure shows one reply, not all.
  private func firstDifference(_ recovered: ChannelCastService, _ live: ChannelCastService)
    -> (recovered: String, live: String)?
  {
    zip(observe(recovered), observe(live)).first { $0 != $1 }
  }

  /// The property of the decide/apply split: a state fed the live service's records one by
  /// one, and nothing else, answers every read as the live service does, at every point; and
  /// reads journal nothing.
  @Test(arguments: [11, 12, 13] as [UInt64])
  func applyingTheRecordsAloneMatchesDecidingAndApplying(seed: UInt64) throws {
    let log = RecordingLog()
    let live = makeService(log: log)
    let replica = makeState()
    let replicaReads = makeService(state: replica)
    var applied = 0
    _ = try runWorkload(on: live, log: log, requests: 800, seed: seed, snapshotAfter: 0) { step in
      for record in try log.decoded().dropFirst(applied) { try replica.apply(record) }
      applied = log.records.count
      guard step % 40 == 39 else { return }
      let difference = firstDifference(replicaReads, live)
      #expect(difference == nil, "after request \(step)")
      #expect(log.records.count == applied, "a read journaled a record")
    }
    #expect(applied > 400)
    #expect(replica.unfinishedMessages == live.state.unfinishedMessages)
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func replayingTheJournalRebuildsTheState(seed: UInt64) throws {
    let log = RecordingLog()
    let live = makeService(log: log)
    _ = try runWorkload(on: live, log: log, requests: 600, seed: seed, snapshotAfter: 0)
    let recovered = makeService()
    for record in try log.decoded() {
      try recovered.state.apply(record)
    }
    #expect(firstDifference(recovered, live) == nil)
    #expect(recovered.state.unfinishedMessages == live.state.unfinishedMessages)
  }

  @Test(arguments: [4, 5, 6] as [UInt64])
  func aSnapshotAndTheJournalAfterItRebuildTheState(seed: UInt64) throws {
    let log = RecordingLog()
    let live = makeService(log: log)
    let (midway, recordsBefore) = try runWorkload(
      on: live, log: log, requests: 600, seed: seed, snapshotAfter: 300)
    var output = RecordedSnapshot()
    try midway.write(to: &output)
    let recovered = makeService()
    try output.load(into: recovered.state)
    for record in try log.decoded().dropFirst(recordsBefore) {
      try recovered.state.apply(record)
    }
    #expect(firstDifference(recovered, live) == nil)
    #expect(recovered.state.unfinishedMessages == live.state.unfinishedMessages)

    // And a snapshot of the end state alone.
    var final = RecordedSnapshot()
    try live.state.takeSnapshot(takenAtMs: clock.nowMilliseconds()).write(to: &final)
    let fromFinal = makeService()
    try final.load(into: fromFinal.state)
    #expect(firstDifference(fromFinal, live) == nil)
  }

  @Test func aSnapshotCutShortIsRefused() throws {
    let log = RecordingLog()
    let live = makeService(log: log)
    _ = try runWorkload(on: live, log: log, requests: 200, seed: 9, snapshotAfter: 0)
    var output = RecordedSnapshot()
    try live.state.takeSnapshot(takenAtMs: clock.nowMilliseconds()).write(to: &output)
    output.records.removeLast()
    #expect(throws: RecoveryError.self) { try output.load(into: makeState()) }
  }

  @Test func aJournalRecordThatContradictsTheStateStopsRecovery() {
    let state = makeState()
    #expect(throws: RecoveryError.self) {
      try state.apply(
        .subscribed(
          officialAccountID: ByteString("@TOA#_gone"), userID: ByteString("u"), subscribeTime: 1))
    }
  }

  @Test func messagesWhoseFanOutWasCutShortAreSentAgainAfterRecovery() throws {
    let sink = RecordingSink()
    let state = makeState()
    var account = JournalRecordCodingTests.account
    account.lastSeq = 0
    try state.apply(.channelCreated(account))
    try state.apply(
      .subscribed(
        officialAccountID: account.officialAccountID, userID: ByteString("u1"), subscribeTime: 1))
    for seq in 1...3 as ClosedRange<UInt64> {
      try state.apply(
        .messageSent(
          .init(
            officialAccountID: account.officialAccountID, seq: seq, msgKey: "k\(seq)",
            sendTimeMs: 5, sentAtMs: 5, recipientCount: 1, clientMsgID: nil,
            payload: Array("\(seq)".utf8))))
    }
    try state.apply(.messageFannedOut(officialAccountID: account.officialAccountID, seq: 2))
    let log = RecordingLog()
    let recovered = ChannelCastService(
      state: state, limits: Self.limits,
      fanOut: FanOut(shardCount: 3, directory: state.directory, sink: sink), log: log, clock: clock)
    #expect(recovered.interruptedFanOutCount == 2)
    #expect(recovered.resumeInterruptedFanOuts() == 2)
    #expect(recovered.fanOut.waitUntilDrained(timeout: .seconds(10)))
    #expect(
      sink.envelopes(for: "u1").map { $0.contains("\"k1\"") || $0.contains("\"k3\"") } == [
        true, true,
      ])
    recovered.endRun()
    #expect(recovered.interruptedFanOutCount == 0)
    #expect(state.unfinishedMessageCount == 0)
    #expect(
      try log.decoded() == [
        .messageFannedOut(officialAccountID: account.officialAccountID, seq: 1),
        .messageFannedOut(officialAccountID: account.officialAccountID, seq: 3),
      ])
  }
}
