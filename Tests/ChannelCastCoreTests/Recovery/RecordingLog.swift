@testable import ChannelCastCore

/// A mutation log that keeps the records in memory, encoded as the journal would hold them.
final class RecordingLog: MutationLog {
  private(set) var records: [(type: UInt8, body: [UInt8])] = []
  private(set) var commits = 0

  func append(_ record: JournalRecord) {
    var body: [UInt8] = []
    record.encode(into: &body)
    records.append((record.type, body))
  }

  func commit() { commits += 1 }

  /// The records decoded again, as recovery reads them.
  func decoded() throws -> [JournalRecord] {
    try records.map { record in
      try record.body.withUnsafeBytes { try JournalRecord.decode(type: record.type, body: $0) }
    }
  }
}

/// A snapshot output that keeps the records in memory.
struct RecordedSnapshot: SnapshotOutput {
  var records: [(type: UInt8, body: [UInt8])] = []

  mutating func append(type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) {
    var bytes: [UInt8] = []
    body(&bytes)
    records.append((type.rawValue, bytes))
  }

  func load(into state: ChannelCastState) throws {
    var loader = SnapshotLoader(into: state)
    for record in records {
      try record.body.withUnsafeBytes { try loader.load(type: record.type, body: $0) }
    }
    try loader.finish()
  }
}
