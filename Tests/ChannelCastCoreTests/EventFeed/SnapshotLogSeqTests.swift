import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

/// The event feed's `logSeq` in snapshots: written in an `eventFeed` record (format version 2),
/// and 0 for a snapshot of version 1, which has none.
@Suite struct SnapshotLogSeqTests {
  private static func emptyState() -> ChannelCastState {
    ChannelCastState(
      shardCount: 1, directory: UserDirectory(), retention: HistoryRetention(ServiceLimits()))
  }

  /// Loads `records` into an empty state and returns the loader's `lastLogSeq`.
  private static func lastLogSeq(loading records: [(type: UInt8, body: [UInt8])]) throws -> UInt64 {
    var loader = SnapshotLoader(into: emptyState())
    for record in records {
      try record.body.withUnsafeBytes { try loader.load(type: record.type, body: $0) }
    }
    try loader.finish()
    return loader.lastLogSeq
  }

  @Test func aSnapshotKeepsTheLastLogSeq() throws {
    var snapshot = Self.emptyState().takeSnapshot(takenAtMs: 0)
    snapshot.lastLogSeq = 1_234_567
    var output = RecordedSnapshot()
    try snapshot.write(to: &output)
    #expect(output.records.contains { $0.type == SnapshotRecordType.eventFeed.rawValue })
    #expect(try Self.lastLogSeq(loading: output.records) == 1_234_567)
  }

  @Test func aSnapshotWrittenBeforeTheFeedLoadsWithLogSeqZero() throws {
    var output = RecordedSnapshot()
    try Self.emptyState().takeSnapshot(takenAtMs: 0).write(to: &output)
    // Version 1 had no eventFeed record; its end record counts the records before it.
    var records = output.records.filter { $0.type != SnapshotRecordType.eventFeed.rawValue }
    var end: [UInt8] = []
    end.appendVarint(records.count - 1)
    records[records.count - 1] = (SnapshotRecordType.end.rawValue, end)
    #expect(try Self.lastLogSeq(loading: records) == 0)
  }
}
