import ChannelCastCore
import ChannelCastStorage

/// Rebuilds the service's state from a data directory: the latest snapshot, then every journal
/// written after it, in order.
///
/// A record cut short at the very end of the last journal (the process died in the middle of a
/// write) is cut off and reported. Anything else that does not read (a bad checksum with valid
/// records after it, a damaged snapshot, a missing journal generation) stops the start with the
/// file and offset: recovery never skips data silently.
struct StateRecovery {
  let directory: DataDirectory

  func recover(into state: ChannelCastState) throws -> RecoveryReport {
    var report = RecoveryReport()
    let snapshots = try directory.snapshotGenerations()
    let journals = try directory.journalGenerations()
    if let latest = snapshots.last {
      (report.snapshotRecords, report.lastLogSeq) = try loadSnapshot(latest, into: state)
      report.snapshotGeneration = latest
    }
    let replayed = journals.filter { $0 >= (report.snapshotGeneration ?? 0) }
    try checkContiguous(replayed, after: report.snapshotGeneration)
    report.nextGeneration = max(journals.last ?? 0, report.snapshotGeneration ?? 0) + 1
    for (position, generation) in replayed.enumerated() {
      let path = directory.journalPath(generation)
      let isLast = position == replayed.count - 1
      if isLast, try hasTornHeader(path) {
        // A crash while the file was being created: it holds nothing; make it again.
        try directory.removeJournal(generation)
        report.truncatedTail = (path, 0)
        report.nextGeneration = generation
        continue
      }
      let outcome = try replayJournal(path, into: state, mayHaveTornTail: isLast)
      report.journalFiles += 1
      report.journalRecords += outcome.records
      report.lastLogSeq += outcome.published
      if let tornAt = outcome.tornAt {
        let writer = try RecordFileWriter.openForAppend(path: path, validLength: tornAt)
        try writer.sync()
        writer.close()
        report.truncatedTail = (path, tornAt)
      }
    }
    return report
  }

  /// Whether the journal's header itself was cut short (or never reached the disk).
  private func hasTornHeader(_ path: String) throws -> Bool {
    do {
      _ = try RecordFileReader(
        path: path, kind: .journal, newestFormatVersion: DurableFormat.journalVersion)
      return false
    } catch {
      if case .damaged(_, 0, _, true) = error { return true }
      return false  // replaying reports it
    }
  }

  /// Returns the records loaded and the event feed's `logSeq` at the snapshot.
  private func loadSnapshot(_ generation: UInt64, into state: ChannelCastState) throws -> (
    Int, UInt64
  ) {
    let path = directory.snapshotPath(generation)
    var loader = SnapshotLoader(into: state)
    var records = 0
    do {
      let reader = try RecordFileReader(
        path: path, kind: .snapshot, newestFormatVersion: DurableFormat.snapshotVersion)
      while let record = try reader.next() {
        do {
          try record.body.withUnsafeBytes { try loader.load(type: record.type, body: $0) }
        } catch {
          throw DurabilityError(
            "snapshot \(path): the record at offset \(record.offset) does not load: \(error)")
        }
        records += 1
      }
      try loader.finish()
    } catch let error as DurabilityError {
      throw error
    } catch {
      throw DurabilityError(
        "snapshot \(path) cannot be loaded: \(error). The journals before it were removed "
          + "when it was written; restore the data directory from a backup.")
    }
    return (records, loader.lastLogSeq)
  }

  private func replayJournal(
    _ path: String, into state: ChannelCastState, mayHaveTornTail: Bool
  ) throws -> (records: Int, published: UInt64, tornAt: Int?) {
    var records = 0
    var published: UInt64 = 0
    let reader = try RecordFileReader(
      path: path, kind: .journal, newestFormatVersion: DurableFormat.journalVersion)
    while true {
      let stored: StoredRecord?
      do {
        stored = try reader.next()
      } catch {
        if case .damaged(_, let offset, _, let tornTail) = error, tornTail, mayHaveTornTail {
          return (records, published, offset)
        }
        throw DurabilityError(
          "\(error). Nothing after it was loaded. Run `channelcastd --repair` to keep a copy of "
            + "the file and cut it at the damage (what follows is lost), or restore a backup.")
      }
      guard let stored else { return (records, published, nil) }
      do {
        let record = try stored.body.withUnsafeBytes {
          try JournalRecord.decode(type: stored.type, body: $0)
        }
        try state.apply(record)
        if record.feedEventType != nil { published += 1 }
      } catch {
        throw DurabilityError(
          "journal \(path): the record at offset \(stored.offset) cannot be applied: \(error)")
      }
      records += 1
    }
  }

  /// Journal generations must follow each other from the snapshot's (or from the first, with
  /// no snapshot): a gap means a file is missing and what it held would be lost.
  private func checkContiguous(_ generations: [UInt64], after snapshot: UInt64?) throws {
    guard let first = generations.first else { return }
    if snapshot == nil && first != 1 {
      throw DurabilityError(
        "the journal starts at generation \(first) but there is no snapshot before it in "
          + "\(directory.path); restore the data directory from a backup")
    }
    if let snapshot, first != snapshot {
      throw DurabilityError(
        "journal generation \(snapshot) is missing from \(directory.path) (snapshot \(snapshot) "
          + "is followed by journal \(first))")
    }
    for (previous, next) in zip(generations, generations.dropFirst()) where next != previous + 1 {
      throw DurabilityError(
        "journal generation \(previous + 1) is missing from \(directory.path)")
    }
  }
}
