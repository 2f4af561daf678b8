import ChannelCastCore

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
