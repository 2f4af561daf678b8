import ChannelCastStorage

/// The on-disk format versions this daemon writes, and the newest it reads. A later daemon
/// that changes a format raises its version and keeps reading the older ones; a file of a
/// newer version than the daemon knows is refused with both versions named.
enum DurableFormat {
  /// Journal records: `JournalRecord` bodies in `RecordFileFormat` frames.
  static let journalVersion: UInt32 = 1
  /// Snapshot records: see `SnapshotRecordType`. Version 2 added the `eventFeed` record.
  static let snapshotVersion: UInt32 = 2

  static func snapshotHeader(generation: UInt64) -> RecordFileHeader {
    RecordFileHeader(kind: .snapshot, formatVersion: snapshotVersion, generation: generation)
  }
}
