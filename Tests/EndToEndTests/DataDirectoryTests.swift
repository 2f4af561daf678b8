import Foundation
import Testing

/// What `channelcastd` does with a data directory it cannot simply load: damaged, in use by
/// another daemon.
@Suite struct DataDirectoryTests {
  @Test func aFlippedBitInTheMiddleOfTheJournalStopsTheStartNamingTheFileAndTheOffset()
    async throws
  {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let daemon = try Self.daemonKeepingItsJournal(in: directory)
    defer { daemon.stop() }
    let damage = try await Self.journalSubscriptionsThenFlipABit(daemon)

    try daemon.restart()

    let process = daemon.process
    try #require(await process.waitForExit(), "channelcastd started on a damaged journal")
    #expect(process.exitStatus != 0)
    #expect(process.standardError.contains(damage.journal.url.lastPathComponent))
    #expect(process.standardError.contains(try Regex("[^0-9]\(damage.offset)[^0-9]")))
    #expect(process.standardError.contains("--repair"))
  }

  @Test func repairCutsTheJournalAtTheDamageAndTheDaemonServesTheRecordsBeforeIt() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let daemon = try Self.daemonKeepingItsJournal(in: directory)
    defer { daemon.stop() }
    let damage = try await Self.journalSubscriptionsThenFlipABit(daemon)

    let repair = try ChildProcess(
      BuiltProducts.executable(named: "channelcastd"),
      ["--repair", "--data-directory", daemon.dataDirectory.path], capturingIn: directory)
    defer { repair.stop() }
    try #require(await repair.waitForExit(), "channelcastd --repair did not finish")
    #expect(repair.exitStatus == 0, "\(repair.standardError)")
    #expect(repair.standardOutput.contains("dropped \(damage.droppedRecords) records"))

    try daemon.restart()
    try await daemon.waitUntilServing()
    let subscribers = try daemon.client().resultOf(
      "getSubscribers", ["officialAccountID": Self.channel, "limit": 1000])
    let userIDs = (subscribers["subscribers"] as? [[String: Any]] ?? []).map { $0["userID"] }
    #expect(userIDs.compactMap { $0 as? String } == damage.keptUserIDs)
  }

  @Test func aSecondDaemonOnTheSameDataDirectoryExitsNamingTheFirstsPid() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data")
    let first = try DaemonProcess(in: directory, name: "first", dataDirectory: data)
    defer { first.stop() }
    try await first.waitUntilServing()
    let pid = try #require(first.processIdentifier)

    let second = try DaemonProcess(in: directory, name: "second", dataDirectory: data)
    defer { second.stop() }

    try #require(await second.process.waitForExit(), "a second daemon runs on one data directory")
    #expect(second.process.exitStatus != 0)
    #expect(second.process.standardError.contains("in use"))
    #expect(second.process.standardError.contains(try Regex("[^0-9]\(pid)[^0-9]")))
    #expect(try first.client().callJSON("ping").ok)
  }

  /// A kill -9 just after `channelcastd` created its journal file, before it wrote the file's
  /// header, leaves an empty journal as the newest: the start after that must go on from the
  /// journals before it, as it does for a record cut short at the end.
  @Test
  func aNewestJournalLeftEmptyByACrashDoesNotStopTheStart() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data")
    let daemon = try DaemonProcess(in: directory, dataDirectory: data)
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    _ = try daemon.client().resultOf(
      "createOfficialAccount",
      ["officialAccountID": Self.channel, "ownerUserID": "owner", "officialAccountName": "Kept"])
    try await daemon.kill9()
    let newest = try JournalFile.newest(in: data).url.lastPathComponent
    let generation = try #require(Int(newest.dropFirst("journal-".count).prefix(20)))
    let empty = String(format: "journal-%020d.ccj", generation + 1)
    try Data().write(to: data.appendingPathComponent(empty))

    try daemon.restart()

    try await daemon.waitUntilServing()
    let info = try daemon.client().resultOf(
      "getOfficialAccountsInfo", ["officialAccountIDList": [Self.channel]])
    #expect((info["results"] as? [[String: Any]])?.first?["resultCode"] as? String == "ok")
  }

  static let channel = "@TOA#_journal"

  /// A daemon that writes no snapshot while it runs, so that its journal keeps every record.
  private static func daemonKeepingItsJournal(in directory: URL) throws -> DaemonProcess {
    try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: ["--snapshot-journal-bytes", "1099511627776", "--snapshot-interval-seconds", "0"])
  }

  /// Journals a channel and 40 subscriptions, one record each, kills the daemon (so that no
  /// snapshot replaces the journal), then flips one bit in the body of the 21st subscription's
  /// record.
  private static func journalSubscriptionsThenFlipABit(_ daemon: DaemonProcess) async throws
    -> (journal: JournalFile, offset: Int, droppedRecords: Int, keptUserIDs: [String])
  {
    try await daemon.waitUntilServing()
    let client = try daemon.client()
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": channel, "ownerUserID": "owner", "officialAccountName": "Journal"])
    let userIDs = (0..<40).map { String(format: "user%02d", $0) }
    for userID in userIDs {
      _ = try client.resultOf(
        "subscribeOfficialAccount", ["officialAccountID": channel, "userID": userID])
    }
    try await daemon.kill9()

    let journal = try JournalFile.newest(in: daemon.dataDirectory)
    try #require(journal.recordOffsets.count == 41, "records at \(journal.recordOffsets)")
    let offset = try journal.flipBit(inRecord: 21)
    return (journal, offset, 20, Array(userIDs.prefix(20)))
  }
}
