import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Foundation
import FuzzHarness

/// The journal and snapshot fuzz target: one input is what recovery reads at start.
///
/// - An input that starts with `CCJOURNL` is a journal file: `RecordFileReader` checks its
///   header, frames and checksums, and each record is decoded and applied as recovery does.
/// - One that starts with `CCSNAPSH` is a snapshot file, loaded by `SnapshotLoader`.
/// - Any other input is records in `FramedRecords`' framing after one mode byte: with the low
///   bit clear, journal records applied to an empty state; set, a snapshot's records up to its
///   end record, then journal records applied to what it loaded.
///
/// Any error is fine: recovery refuses the data and the daemon does not start. A crash is not.
/// When recovery accepts the input, the daemon serves what it recovered, so the target does
/// too: it resumes the interrupted fan-outs, checks that a snapshot of the state loads back
/// into the same state, and sends the read operations and a few changes to each channel, every
/// reply and delivery checked (see `ReplyCheck`, `CheckedDeliverySink`).
enum JournalFuzzing {
  /// The newest journal and snapshot format version (the daemon's `DurableFormat`).
  static let formatVersion: UInt32 = 1
  /// Channels that get requests after recovery.
  static let channelsServed = 8

  static func testOneInput(_ input: UnsafeBufferPointer<UInt8>) {
    let clock = FuzzClock()
    let recovered = StandaloneService(clock: clock)
    let accepted: Bool
    if input.starts(with: RecordFileKind.journal.magic) {
      accepted = replayJournalFile(input, into: recovered.state)
    } else if input.starts(with: RecordFileKind.snapshot.magic) {
      accepted = loadSnapshotFile(input, into: recovered.state)
    } else if let mode = input.first {
      var records = FramedRecords(input.dropFirst())
      accepted =
        (mode & 1 == 0 || loadSnapshot(&records, into: recovered.state))
        && replay(&records, into: recovered.state)
    } else {
      accepted = false
    }
    if accepted { serve(recovered, clock: clock) }
    recovered.drain()
  }

  // MARK: Recovery, as the daemon's StateRecovery does it

  /// Whether the daemon would start from this journal: every record applies, and any damage is
  /// a torn tail (cut off at start).
  private static func replayJournalFile(
    _ input: UnsafeBufferPointer<UInt8>, into state: ChannelCastState
  ) -> Bool {
    guard let reader = ScratchFile.reader(of: input, kind: .journal) else { return false }
    while true {
      let stored: StoredRecord?
      do {
        stored = try reader.next()
      } catch {
        if case .damaged(_, _, _, true) = error { return true }
        return false
      }
      guard let stored else { return true }
      guard apply(type: stored.type, body: stored.body, to: state) else { return false }
    }
  }

  private static func loadSnapshotFile(
    _ input: UnsafeBufferPointer<UInt8>, into state: ChannelCastState
  ) -> Bool {
    guard let reader = ScratchFile.reader(of: input, kind: .snapshot) else { return false }
    var loader = SnapshotLoader(into: state)
    do {
      while let stored = try reader.next() {
        try stored.body.withUnsafeBytes { try loader.load(type: stored.type, body: $0) }
      }
      try loader.finish()
      return true
    } catch {
      return false
    }
  }

  /// Loads snapshot records up to and including the end record; whether the snapshot loaded.
  private static func loadSnapshot(
    _ records: inout FramedRecords, into state: ChannelCastState
  ) -> Bool {
    var loader = SnapshotLoader(into: state)
    do {
      while let record = records.next() {
        try record.body.withUnsafeBytes { try loader.load(type: record.type, body: $0) }
        if record.type == SnapshotRecordType.end.rawValue { break }
      }
      try loader.finish()
      return true
    } catch {
      return false
    }
  }

  private static func replay(_ records: inout FramedRecords, into state: ChannelCastState)
    -> Bool
  {
    while let record = records.next() {
      guard apply(type: record.type, body: record.body, to: state) else { return false }
    }
    return true
  }

  private static func apply(type: UInt8, body: [UInt8], to state: ChannelCastState) -> Bool {
    do {
      let record = try body.withUnsafeBytes { try JournalRecord.decode(type: type, body: $0) }
      try state.apply(record)
      return true
    } catch {
      return false
    }
  }

  // MARK: Serving what was recovered

  private static func serve(_ recovered: StandaloneService, clock: FuzzClock) {
    recovered.service.resumeInterruptedFanOuts()
    recovered.finishRun()
    let view = RecoveryCheck.view(of: recovered)
    RecoveryCheck.expectSame(
      view, RecoveryCheck.view(of: RecoveryCheck.reloadSnapshot(of: recovered, clock: clock)),
      "a snapshot of the recovered state")

    let channels = view.channelIDs.prefix(channelsServed)
    for id in channels {
      serveChannel(id, recovered)
    }
    // Past the clientMsgID retention and the history's age limit.
    clock.advance(milliseconds: 11 * 60 * 1000)
    for id in channels {
      send(recovered, "sendMessage", id) {
        $0.add("payload", rawJSON: Array("[2]".utf8))
        $0.add("clientMsgID", "fuzz")
      }
      send(recovered, "deleteOfficialAccount", id)
      send(recovered, "createOfficialAccount", id) {
        $0.add("ownerUserID", "fuzz-owner")
        $0.add("officialAccountName", "again")
      }
      send(recovered, "sendMessage", id) { $0.add("payload", rawJSON: Array("3".utf8)) }
    }
    recovered.finishRun()
  }

  /// Writes to a recovered channel: messages (one retried), recalls of what its history keeps,
  /// an info change, a new subscriber who writes to the owner.
  private static func serveChannel(_ id: [UInt8], _ recovered: StandaloneService) {
    let history = send(recovered, "getHistory", id)
    var msgKeys = (history["result"]?.objectMembers?["messages"]?.arrayElements ?? [])
      .compactMap { $0.objectMembers?["msgKey"]?.stringBytes }
    for _ in 0..<2 {
      let sent = send(recovered, "sendMessage", id) {
        $0.add("payload", rawJSON: Array("[1]".utf8))
        $0.add("clientMsgID", "fuzz")
      }
      if let msgKey = sent["result"]?.objectMembers?["msgKey"]?.stringBytes {
        msgKeys.append(msgKey)
      }
    }
    send(recovered, "recallMessages", id) {
      var keys = JSONArrayWriter()
      for msgKey in msgKeys.suffix(10) { keys.append(String(decoding: msgKey, as: UTF8.self)) }
      $0.add("msgKeys", array: keys)
    }
    send(recovered, "setOfficialAccountInfo", id) { $0.add("introduction", "served") }
    send(recovered, "subscribeOfficialAccount", id) { $0.add("userID", "fuzz-user") }
    send(recovered, "sendMessageToOfficialAccount", id) {
      $0.add("userID", "fuzz-user")
      $0.add("payload", rawJSON: Array("{}".utf8))
    }
    send(recovered, "getOfficialAccountsInfo", id) {
      var ids = JSONArrayWriter()
      ids.append(String(decoding: id, as: UTF8.self))
      $0.add("officialAccountIDList", array: ids)
      $0.add("userID", "fuzz-user")
    }
    send(recovered, "unsubscribeOfficialAccount", id) { $0.add("userID", "fuzz-user") }
  }

  @discardableResult
  private static func send(
    _ recovered: StandaloneService, _ op: String, _ id: [UInt8],
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) -> JSONObject {
    recovered.handle(
      RecoveryCheck.request(op) {
        $0.add("officialAccountID", utf8: id)
        fill(&$0)
      })
  }
}
