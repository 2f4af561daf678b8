import ChannelCastCore

/// The service's mutation log in the fuzz targets: each record encoded as the journal holds it
/// (type and body), in memory.
public final class RecordedJournal: MutationLog {
  public private(set) var records: [(type: UInt8, body: [UInt8])] = []

  public init() {}

  public func append(_ record: JournalRecord) {
    var body: [UInt8] = []
    record.encode(into: &body)
    records.append((record.type, body))
  }

  public func commit() {}
}

/// A snapshot's records in memory, as the daemon frames them in its snapshot file.
public struct RecordedSnapshot: SnapshotOutput {
  public private(set) var records: [(type: UInt8, body: [UInt8])] = []

  public init() {}

  public mutating func append(type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) {
    var bytes: [UInt8] = []
    body(&bytes)
    records.append((type.rawValue, bytes))
  }
}
