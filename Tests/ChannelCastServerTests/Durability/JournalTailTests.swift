import ChannelCastCore
import ChannelCastStorage
import Foundation
import Logging
import Testing

@testable import ChannelCastServer

/// A journal cut short anywhere inside its last record (a crash in the middle of a write)
/// recovers to the state before that record, in-process, for every byte offset.
@Suite struct JournalTailTests {
  @Test func aJournalCutAtEveryOffsetOfItsLastRecordRecoversToTheRecordBefore() throws {
    let work = try DurabilityScratch()
    defer { work.remove() }
    let source = work.path("source")
    let (service, persistence, fanOut) = try work.openService(source).parts
    for request in [
      #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"o","officialAccountName":"News"}"#,
      #"{"op":"subscribeOfficialAccount","officialAccountID":"@TOA#_news","userIDList":["a","b","c"]}"#,
      #"{"op":"sendMessage","officialAccountID":"@TOA#_news","payload":{"n":1},"clientMsgID":"m1"}"#,
    ] {
      try work.expectOK(service, request)
    }
    // The message's fan-out is journaled when it finishes: let it, so that the record this
    // test cuts is the last one.
    #expect(fanOut.waitUntilDrained(timeout: .seconds(10)))
    try service.finishRun()
    let before = work.observe(service)
    try work.expectOK(
      service,
      #"{"op":"setOfficialAccountInfo","officialAccountID":"@TOA#_news","introduction":"the last record"}"#
    )
    let after = work.observe(service)
    try persistence.close()

    let journal = try #require(try work.journals(in: source).last)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: journal))
    let lastRecord = try work.offsetOfLastRecord(journal)
    #expect(lastRecord > RecordFileFormat.headerLength)
    for cut in lastRecord...bytes.count {
      let copy = work.path("cut-\(cut)")
      try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
      let name = (journal as NSString).lastPathComponent
      try bytes.prefix(cut).write(to: URL(fileURLWithPath: copy + "/" + name))
      let (recovered, reopened, _) = try work.openService(copy).parts
      let expected = cut == bytes.count ? after : before
      let observed = work.observe(recovered)
      #expect(observed == expected, "cut at \(cut) of \(bytes.count)")
      if observed != expected { break }  // one failure tells the story
      try reopened.close()
      try? FileManager.default.removeItem(atPath: copy)
    }
  }
}
