/// What recovery loaded, for the log.
struct RecoveryReport {
  /// The event feed's `logSeq` of the last record recovered: the snapshot's, plus one per
  /// published record replayed from the journal.
  var lastLogSeq: UInt64 = 0
  var snapshotGeneration: UInt64?
  var snapshotRecords = 0
  var journalFiles = 0
  var journalRecords = 0
  /// The journal and offset where a torn record at the tail was cut off.
  var truncatedTail: (path: String, offset: Int)?
  var milliseconds: Int64 = 0
  /// The journal generation the daemon goes on writing.
  var nextGeneration: UInt64 = 1

  var loadedAnything: Bool { snapshotGeneration != nil || journalRecords > 0 }
}
