import ChannelCastCore
import ChannelCastStorage
import Foundation
import Testing

@testable import ChannelCastServer

/// What each fsync policy promises when the power goes: a file layer that keeps only the bytes
/// an fdatasync covered (`SyncedBytes`) stands in for the disk after a power loss.
@Suite struct PowerLossTests {
  @Test func withFsyncAlwaysAPowerLossLosesNothingAcknowledged() throws {
    let work = try DurabilityScratch()
    defer { work.remove() }
    let synced = SyncedBytes()
    let (service, persistence, _) = try work.openService(
      work.path("data"), fsync: .always, observer: synced
    ).parts
    try work.expectOK(service, Self.createNews)
    var acknowledged: [String] = []
    for user in (0..<300).map({ "user-\($0)" }) {
      try work.expectOK(service, Self.subscribe(user))
      acknowledged.append(user)
    }

    let afterPowerLoss = try synced.diskAfterPowerLoss(
      of: work.path("data"), into: work.path("disk"))
    _ = persistence  // the daemon is still "running" when the power goes
    let recovered = try work.openService(afterPowerLoss).service
    #expect(try Self.subscribers(recovered, work) == Set(acknowledged))
  }

  @Test func withFsyncEverysecAPowerLossLosesAtMostTheLastSecond() throws {
    let work = try DurabilityScratch()
    defer { work.remove() }
    let synced = SyncedBytes()
    let (service, persistence, _) = try work.openService(
      work.path("data"), fsync: .everysec, observer: synced
    ).parts
    try work.expectOK(service, Self.createNews)
    var acknowledged: [(user: String, at: ContinuousClock.Instant)] = []
    let end = ContinuousClock.now + .milliseconds(2600)
    var number = 0
    while ContinuousClock.now < end {
      let user = "user-\(number)"
      try work.expectOK(service, Self.subscribe(user))
      acknowledged.append((user, .now))
      number += 1
      usleep(2000)
    }

    let powerLoss = ContinuousClock.now
    let afterPowerLoss = try synced.diskAfterPowerLoss(
      of: work.path("data"), into: work.path("disk"))
    _ = persistence
    let recovered = try work.openService(afterPowerLoss).service
    let survivors = try Self.subscribers(recovered, work)
    // The sync thread runs once a second; its fdatasync itself takes a little while.
    let promised = acknowledged.filter { powerLoss - $0.at > .milliseconds(1100) }.map(\.user)
    #expect(promised.count > 100)
    #expect(Set(promised).isSubset(of: survivors))
    #expect(survivors.isSubset(of: Set(acknowledged.map(\.user))))
  }

  private static let createNews =
    #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"o","officialAccountName":"News"}"#

  private static func subscribe(_ user: String) -> String {
    #"{"op":"subscribeOfficialAccount","officialAccountID":"@TOA#_news","userID":"\#(user)"}"#
  }

  private static func subscribers(_ service: ChannelCastService, _ work: DurabilityScratch)
    throws -> Set<String>
  {
    var users: Set<String> = []
    var cursor: String?
    repeat {
      let page = try work.expectOK(
        service,
        #"{"op":"getSubscribers","officialAccountID":"@TOA#_news","limit":100"#
          + (cursor.map { #","cursor":"\#($0)"}"# } ?? "}"))
      for subscriber in page["subscribers"] as? [[String: Any]] ?? [] {
        users.insert(subscriber["userID"] as? String ?? "")
      }
      cursor = page["nextCursor"] as? String
    } while cursor != nil
    return users
  }
}

/// The disk as a power loss leaves it: each journal holds only the bytes its last fdatasync
/// covered; a journal never synced since it was made holds its header (journals are created
/// durably). Snapshots are written atomically and synced, so they are kept whole.
final class SyncedBytes: JournalSyncObserver, @unchecked Sendable {
  private let lock = NSLock()
  private var lengths: [String: Int] = [:]

  func journalSynced(path: String, length: Int, duration: Duration) {
    lock.withLock { lengths[path] = max(lengths[path] ?? 0, length) }
  }

  /// Copies the data directory as the disk would hold it after a power loss now; returns the
  /// copy's path.
  func diskAfterPowerLoss(of directory: String, into copy: String) throws -> String {
    let synced = lock.withLock { lengths }
    let files = FileManager.default
    try files.createDirectory(atPath: copy, withIntermediateDirectories: true)
    for name in try files.contentsOfDirectory(atPath: directory)
    where name.hasSuffix(".ccj") || name.hasSuffix(".ccs") {
      let path = directory + "/" + name
      var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
      if name.hasSuffix(".ccj") {
        bytes = bytes.prefix(synced[path] ?? RecordFileFormat.headerLength)
      }
      try bytes.write(to: URL(fileURLWithPath: copy + "/" + name))
    }
    return copy
  }
}
