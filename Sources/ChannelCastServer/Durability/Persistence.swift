import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Logging

/// Keeps the daemon's state on disk: recovers it at start, journals every record, writes
/// snapshots in the background and when the daemon stops, and backs the data up (the
/// service's `ServiceAdministration`).
///
/// Ownership: made and used on the command thread, which owns the state; only the snapshot
/// writing runs elsewhere (`SnapshotWriter`), on a `ServiceSnapshot` that nothing else touches.
final class Persistence: ServiceAdministration {
  struct Settings: Sendable {
    var fsync: FsyncPolicy
    /// Journal bytes after which a snapshot is written (and the journal before it dropped).
    var snapshotJournalBytes: Int
    /// Seconds after which a snapshot is written if anything changed; 0 for never by time.
    var snapshotIntervalSeconds: Int
  }

  let directory: DataDirectory
  /// The state it recovered and keeps.
  let state: ChannelCastState
  /// The snapshot triggers and fsync policy; a reload may change the triggers.
  var settings: Settings
  private let logger: Logger
  private let log: JournalMutationLog
  private let snapshots: SnapshotWriter
  private var lastSnapshotAt = ContinuousClock.now

  /// Rebuilds `state` (empty) from the (locked) data directory and opens the journal for what
  /// follows (`mutationLog`).
  init(
    directory: DataDirectory, settings: Settings, state: ChannelCastState, logger: Logger,
    metrics: DaemonMetrics? = nil, syncObserver: (any JournalSyncObserver)? = nil,
    eventFeed: EventFeedQueue? = nil
  ) throws {
    self.directory = directory
    self.state = state
    self.settings = settings
    self.logger = logger
    snapshots = SnapshotWriter(directory: directory, logger: logger, metrics: metrics)
    let started = ContinuousClock.now
    var report = try StateRecovery(directory: directory).recover(into: state)
    let recoveryDuration = ContinuousClock.now - started
    report.milliseconds = Int64(recoveryDuration / .milliseconds(1))
    metrics?.recordRecovery(recoveryDuration)
    let journal = try Journal(
      directory: directory, generation: report.nextGeneration,
      formatVersion: DurableFormat.journalVersion, policy: settings.fsync,
      syncObserver: syncObserver)
    log = JournalMutationLog(
      journal: journal, logger: logger,
      eventFeed: EventFeedRecorder(
        lastLogSeq: report.lastLogSeq, queue: eventFeed, logger: logger))
    Self.logRecovery(report, state: state, directory: directory, logger)
  }

  /// Where the service journals its records.
  var mutationLog: any MutationLog { log }

  /// Writes a snapshot in the background when the journal has grown enough or enough time has
  /// passed. Called by the command thread after each run of requests.
  func snapshotIfDue() {
    let journalBytes = log.journal.bytesInGeneration
    let dueByBytes = journalBytes >= settings.snapshotJournalBytes
    let dueByTime =
      settings.snapshotIntervalSeconds > 0 && journalBytes > RecordFileFormat.headerLength
      && ContinuousClock.now - lastSnapshotAt >= .seconds(settings.snapshotIntervalSeconds)
    guard dueByBytes || dueByTime, !snapshots.isWriting, journalFailure == nil else { return }
    do {
      let (generation, snapshot) = try startSnapshot()
      snapshots.writeInBackground(snapshot, generation: generation)
    } catch {
      logger.error("could not start a snapshot", metadata: ["error": "\(error)"])
    }
  }

  /// Writes a snapshot now, on this thread, and returns its generation: for a clean stop and
  /// for backups.
  @discardableResult
  func snapshotNow() throws -> UInt64 {
    snapshots.waitUntilWritten()  // one in the background finishes first
    let (generation, snapshot) = try startSnapshot()
    try snapshots.write(snapshot, generation: generation)
    return generation
  }

  /// The write the journal refused, after which nothing more is journaled or acknowledged.
  var journalFailure: StorageError? { log.failure }

  /// Bytes the journal has written since the daemon started.
  var journalBytesWritten: UInt64 { log.journal.statistics.bytesWritten }

  /// Ends the journal: everything committed and on disk, the file closed.
  func close() throws {
    snapshots.waitUntilWritten()
    try log.journal.close()
  }

  /// Starts a journal generation and takes the state as of its start: the snapshot of
  /// generation G holds everything before journal G, so recovery loads it and replays G on.
  private func startSnapshot() throws -> (UInt64, ServiceSnapshot) {
    let generation = try log.journal.rotate()
    lastSnapshotAt = .now
    var snapshot = state.takeSnapshot(takenAtMs: SystemTimeSource().nowMilliseconds())
    snapshot.lastLogSeq = log.eventFeed.lastLogSeq
    return (generation, snapshot)
  }

  private static func logRecovery(
    _ report: RecoveryReport, state: ChannelCastState, directory: DataDirectory,
    _ logger: Logger
  ) {
    if let (path, offset) = report.truncatedTail {
      logger.warning(
        "the journal ended in a record cut short by a crash; cut it off",
        metadata: ["path": "\(path)", "offset": "\(offset)"])
    }
    let counts = state.counts
    logger.info(
      report.loadedAnything ? "recovered" : "started with an empty data directory",
      metadata: [
        "dataDirectory": "\(directory.path)", "milliseconds": "\(report.milliseconds)",
        "snapshotGeneration": "\(report.snapshotGeneration.map(String.init) ?? "none")",
        "journalFiles": "\(report.journalFiles)", "journalRecords": "\(report.journalRecords)",
        "officialAccounts": "\(counts.officialAccounts)", "users": "\(counts.users)",
        "subscriptions": "\(counts.subscriptions)",
        "fanOutsToResume": "\(state.unfinishedMessageCount)",
      ])
  }

  func backup(to destination: String) throws(ChannelCastError) -> BackupReport {
    let copy = BackupCopy(destination: destination)
    try copy.prepare()
    let generation: UInt64
    do {
      generation = try snapshotNow()
    } catch {
      throw ChannelCastError(.internal, "the snapshot for the backup failed: \(error)")
    }
    let (names, bytes) = try copy.copy([
      directory.snapshotPath(generation), directory.journalPath(generation),
    ])
    logger.info(
      "backup written",
      metadata: [
        "directory": "\(destination)", "generation": "\(generation)", "bytes": "\(bytes)",
      ])
    return BackupReport(
      directory: destination, files: names, generation: generation, bytes: bytes)
  }
}
