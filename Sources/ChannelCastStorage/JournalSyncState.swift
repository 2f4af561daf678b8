import Synchronization

/// What a ``Journal``'s owner and its `everysec` sync thread share: the current file, whether
/// it has unsynced writes, the first failure, and the statistics. Sendable because every
/// mutable part is a Mutex or an atomic.
final class JournalSyncState: Sendable {
  /// The current generation's file. Its owner writes to it without the lock; the lock keeps the
  /// sync thread from syncing a file that the owner is closing.
  let currentFile: Mutex<RecordFileWriter?>
  /// Set by the owner after a write, cleared by the sync thread before it syncs.
  let hasUnsyncedWrites = Atomic<Bool>(false)
  /// The first write or sync failure. After a failed fdatasync the kernel may have dropped the
  /// unwritten pages, so a later sync that succeeds proves nothing: the journal stays failed.
  private let failure = Mutex<StorageError?>(nil)
  private let bytesWritten = Atomic<UInt64>(0)
  private let recordsWritten = Atomic<UInt64>(0)
  private let syncs = Atomic<UInt64>(0)
  private let syncNanosecondsTotal = Atomic<UInt64>(0)
  private let lastSyncNanoseconds = Atomic<UInt64>(0)
  /// The current file's length after the owner's last write: what a sync starting now covers.
  private let writtenLength: Atomic<Int>
  private let observer: (any JournalSyncObserver)?

  init(currentFile: RecordFileWriter, observer: (any JournalSyncObserver)?) {
    self.currentFile = Mutex(currentFile)
    self.writtenLength = Atomic(currentFile.length)
    self.observer = observer
  }

  /// Counts a successful write of `records` records, `bytes` bytes, that made the current file
  /// `fileLength` bytes long.
  func recordWrite(bytes: Int, records: Int, fileLength: Int) {
    bytesWritten.add(UInt64(bytes), ordering: .relaxed)
    recordsWritten.add(UInt64(records), ordering: .relaxed)
    writtenLength.store(fileLength, ordering: .releasing)
  }

  /// Makes `file` the current file; the sync thread sees the switch and its length together.
  func switchCurrentFile(to file: RecordFileWriter) -> RecordFileWriter? {
    currentFile.withLock { currentFile in
      defer {
        currentFile = file
        writtenLength.store(file.length, ordering: .releasing)
      }
      return currentFile
    }
  }

  /// Remembers `error` as the journal's failure, unless it already failed.
  func recordFailure(_ error: StorageError) {
    failure.withLock { failure in
      if failure == nil { failure = error }
    }
  }

  /// Throws the journal's failure, if it failed.
  func throwIfFailed() throws(StorageError) {
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// Syncs `file`, timing and counting the call; a failure is also recorded.
  func sync(_ file: RecordFileWriter) throws(StorageError) {
    let covered = writtenLength.load(ordering: .acquiring)
    let start = ContinuousClock.now
    do {
      try file.sync()
    } catch {
      recordFailure(error)
      throw error
    }
    let elapsed = start.duration(to: .now).components
    let nanoseconds =
      UInt64(elapsed.seconds) * 1_000_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000)
    syncs.add(1, ordering: .relaxed)
    syncNanosecondsTotal.add(nanoseconds, ordering: .relaxed)
    lastSyncNanoseconds.store(nanoseconds, ordering: .relaxed)
    observer?.journalSynced(path: file.path, length: covered, duration: start.duration(to: .now))
  }

  /// The sync thread's tick: syncs the current file if something was written since last time.
  func syncIfWritten() {
    currentFile.withLock { file in
      guard let file, hasUnsyncedWrites.exchange(false, ordering: .acquiringAndReleasing) else {
        return
      }
      // A failure is recorded, and the owner's next commit throws it.
      try? sync(file)
    }
  }

  /// The counters as they are now.
  var statistics: JournalStatistics {
    JournalStatistics(
      bytesWritten: bytesWritten.load(ordering: .relaxed),
      recordsWritten: recordsWritten.load(ordering: .relaxed),
      syncs: syncs.load(ordering: .relaxed),
      syncNanosecondsTotal: syncNanosecondsTotal.load(ordering: .relaxed),
      lastSyncNanoseconds: lastSyncNanoseconds.load(ordering: .relaxed))
  }
}
