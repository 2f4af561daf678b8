import ChannelCastCore
import ChannelCastStorage
import Foundation
import FuzzHarness

/// Writes the journal target's seed corpus (`Fuzz/Corpus/Journal`) with the daemon's own
/// code: a session of requests of every kind journaled by the service, a snapshot taken in the
/// middle of it (with a fan-out still in flight) and one at its end, as record files and in
/// the target's light framing.
enum SeedCorpus {
  /// Every journal record type, and every snapshot record type in the snapshots.
  static let session = [
    #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"owner","officialAccountName":"News","customData":"c","maxSubscriberCount":3}"#,
    #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_gone","ownerUserID":"owner","officialAccountName":"Gone"}"#,
    #"{"op":"subscribeOfficialAccount","officialAccountID":"@TOA#_news","userIDList":["alice","bob","carol"]}"#,
    #"{"op":"subscribeOfficialAccount","officialAccountID":"@TOA#_gone","userID":"alice"}"#,
    #"{"op":"setSubscriptionOptions","officialAccountID":"@TOA#_news","userID":"bob","msgFlag":"discard","customData":"b"}"#,
    #"{"op":"sendMessage","officialAccountID":"@TOA#_news","payload":{"title":"one"},"clientMsgID":"m1"}"#,
    #"{"op":"sendMessage","officialAccountID":"@TOA#_gone","payload":"bye"}"#,
    #"{"op":"deleteOfficialAccount","officialAccountID":"@TOA#_gone"}"#,
    "snapshot",
    #"{"op":"sendMessage","officialAccountID":"@TOA#_news","payload":[2],"clientMsgID":"m2"}"#,
    #"{"op":"recallMessages","officialAccountID":"@TOA#_news","msgKeys":["$K"],"reason":"typo"}"#,
    #"{"op":"setOfficialAccountInfo","officialAccountID":"@TOA#_news","introduction":"changed"}"#,
    #"{"op":"sendMessageToOfficialAccount","officialAccountID":"@TOA#_news","userID":"alice","payload":"hi"}"#,
    #"{"op":"unsubscribeOfficialAccount","officialAccountID":"@TOA#_news","userID":"carol"}"#,
  ]

  static func write(to directory: String) throws {
    let clock = FuzzClock()
    let journal = RecordedJournal()
    let live = StandaloneService(clock: clock, log: journal)
    var middle = RecordedSnapshot()
    var recordsBeforeSnapshot = 0
    var lastMsgKey = ""
    for request in session {
      clock.advance(milliseconds: 1500)
      if request == "snapshot" {
        // The message just sent to @TOA#_news is still in flight: no "fanned out" record yet.
        try live.state.takeSnapshot(takenAtMs: clock.nowMilliseconds()).write(to: &middle)
        recordsBeforeSnapshot = journal.records.count
        continue
      }
      let frame = Array(request.replacingOccurrences(of: "$K", with: lastMsgKey).utf8)
      let reply = live.handle(frame)
      if reply["ok"]?.boolValue != true {
        throw SeedError(
          "\(request) failed: \(String(decoding: reply["error"]?.bytes ?? [], as: UTF8.self))")
      }
      if let msgKey = reply["result"]?.objectMembers?["msgKey"]?.stringValue { lastMsgKey = msgKey }
      if request.contains("deleteOfficialAccount") {
        live.drain()
        live.finishRun()  // journals the fan-outs that finished
      }
    }
    live.drain()
    live.finishRun()
    var end = RecordedSnapshot()
    try live.state.takeSnapshot(takenAtMs: clock.nowMilliseconds()).write(to: &end)

    let records = journal.records
    let after = Array(records[recordsBeforeSnapshot...])
    try writeRecordFile("\(directory)/journal-session.ccj", kind: .journal, records)
    try writeRecordFile("\(directory)/snapshot-session.ccs", kind: .snapshot, end.records)
    try writeRecordFile("\(directory)/snapshot-middle.ccs", kind: .snapshot, middle.records)
    // A crash in the middle of the last append: recovery cuts it off and serves the rest.
    let whole = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/journal-session.ccj"))
    try whole.dropLast(5).write(to: URL(fileURLWithPath: "\(directory)/journal-torn-tail.ccj"))
    try write(
      FramedRecords.encode(mode: UInt8(ascii: "J"), records), "\(directory)/records-journal.bin")
    try write(
      FramedRecords.encode(mode: UInt8(ascii: "S"), middle.records + after),
      "\(directory)/records-snapshot-then-journal.bin")
    for (position, record) in records.enumerated() {
      try write(
        FramedRecords.encode(mode: UInt8(ascii: "J"), Array(records[...position])),
        "\(directory)/records-journal-to-\(position)-type-\(record.type).bin")
    }
  }

  private static func writeRecordFile(
    _ path: String, kind: RecordFileKind, _ records: [(type: UInt8, body: [UInt8])]
  ) throws {
    try? FileManager.default.removeItem(atPath: path)
    let writer = try RecordFileWriter.create(
      path: path,
      header: RecordFileHeader(
        kind: kind, formatVersion: JournalFuzzing.formatVersion, generation: 1))
    var buffer = RecordBuffer()
    for record in records {
      buffer.append(type: record.type) { $0 += record.body }
    }
    try writer.write(&buffer)
    writer.close()
  }

  private static func write(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  struct SeedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }
}
