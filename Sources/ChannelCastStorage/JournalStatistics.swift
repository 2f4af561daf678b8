/// What a ``Journal`` has written and synced since it was opened, for metrics.
public struct JournalStatistics: Sendable, Equatable {
  /// Record bytes (frames included, file headers not) handed to the OS.
  public var bytesWritten: UInt64
  /// Records handed to the OS.
  public var recordsWritten: UInt64
  /// fdatasync calls that completed, whichever thread made them.
  public var syncs: UInt64
  /// Time spent in those calls, in nanoseconds.
  public var syncNanosecondsTotal: UInt64
  /// Time the latest of them took, in nanoseconds; 0 before the first.
  public var lastSyncNanoseconds: UInt64

  /// Statistics with the given values.
  public init(
    bytesWritten: UInt64 = 0, recordsWritten: UInt64 = 0, syncs: UInt64 = 0,
    syncNanosecondsTotal: UInt64 = 0, lastSyncNanoseconds: UInt64 = 0
  ) {
    self.bytesWritten = bytesWritten
    self.recordsWritten = recordsWritten
    self.syncs = syncs
    self.syncNanosecondsTotal = syncNanosecondsTotal
    self.lastSyncNanoseconds = lastSyncNanoseconds
  }
}
