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
