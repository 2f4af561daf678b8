import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Foundation
import Logging
import Testing

@testable import ChannelCastServer

/// A temporary folder for data directories, and a service with persistence in one, driven
/// in-process (no sockets): what the durability tests share.
struct DurabilityScratch {
  let root: String

  init() throws {
    root =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-durability-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { root + "/" + name }

  func remove() { try? FileManager.default.removeItem(atPath: root) }

  /// A service as the daemon's command thread makes one: its state recovered from the data
  /// directory at `path`, journaling into it, delivering into a sink that keeps nothing.
  func openService(
    _ path: String, fsync: FsyncPolicy = .never, observer: (any JournalSyncObserver)? = nil
  ) throws -> PersistedService {
    var logger = Logger(label: "durability-test")
    logger.logLevel = .critical
    let directory = UserDirectory()
    let fanOut = FanOut(shardCount: 2, directory: directory, sink: DiscardingSink())
    let limits = ServiceLimits()
    let persistence = try Persistence(
      directory: try DataDirectory(path: path),
      settings: .init(fsync: fsync, snapshotJournalBytes: 1 << 40, snapshotIntervalSeconds: 0),
      state: ChannelCastState(
        shardCount: 2, directory: directory, retention: HistoryRetention(limits)),
      logger: logger, syncObserver: observer)
    let service = ChannelCastService(
      state: persistence.state, limits: limits, fanOut: fanOut, log: persistence.mutationLog,
      administration: persistence)
    return PersistedService(service: service, persistence: persistence, fanOut: fanOut)
  }

  /// Handles a request as the command thread does (handle, then end the run) and checks it
  /// succeeded.
  @discardableResult
  func expectOK(_ service: ChannelCastService, _ request: String) throws -> [String: Any] {
    let reply = service.handle(Array(request.utf8)).reply
    try service.finishRun()
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any])
    try #require(
      object["ok"] as? Bool == true, "\(request) → \(String(decoding: reply, as: UTF8.self))")
    return object["result"] as? [String: Any] ?? [:]
  }

  /// What a client can read of the state: channels, subscribers, history.
  func observe(_ service: ChannelCastService) -> [String] {
    [
      #"{"op":"listOfficialAccounts","limit":100}"#,
      #"{"op":"getSubscribers","officialAccountID":"@TOA#_news","limit":100}"#,
      #"{"op":"getHistory","officialAccountID":"@TOA#_news","limit":100}"#,
    ].map { String(decoding: service.handle(Array($0.utf8)).reply, as: UTF8.self) }
  }

  func journals(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
      .filter { $0.hasPrefix("journal-") && $0.hasSuffix(".ccj") }.sorted()
      .map { directory + "/" + $0 }
  }

  func offsetOfLastRecord(_ journal: String) throws -> Int {
    let reader = try RecordFileReader(path: journal, kind: .journal, newestFormatVersion: 1)
    var last = RecordFileFormat.headerLength
    while let record = try reader.next() { last = record.offset }
    return last
  }
}

/// A service, the persistence that keeps its state and the fan-out it feeds.
struct PersistedService {
  let service: ChannelCastService
  let persistence: Persistence
  let fanOut: FanOut

  var parts: (ChannelCastService, Persistence, FanOut) { (service, persistence, fanOut) }
}

/// A delivery sink that takes every delivery and keeps none.
final class DiscardingSink: DeliverySink {
  func deliver(_ batch: UnsafeBufferPointer<Delivery>) -> Int { batch.count }
}
