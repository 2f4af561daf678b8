import ChannelCastCore
import ChannelCastStorage
import Logging

/// Keeps the service's state on disk: recovers it at start, journals every change, writes
/// snapshots in the background and when the daemon stops.
///
/// Ownership: made and used on the command thread, which owns the service; only the snapshot
/// writing runs elsewhere (`SnapshotWriter`), on a `ServiceSnapshot` that nothing else touches.
final class Persistence {
  struct Settings: Sendable {
    var fsync: FsyncPolicy
    /// Journal bytes after which a snapshot is written (and the journal before it dropped).
    var snapshotJournalBytes: Int
    /// Seconds after which a snapshot is written if anything changed; 0 for never by time.
    var snapshotIntervalSeconds: Int
  }

  let directory: DataDirectory
  /// The snapshot triggers and fsync policy; a reload may change the triggers.
  var settings: Settings
  private let logger: Logger
  private let log: JournalMutationLog
  private let snapshots: SnapshotWriter
  private var lastSnapshotAt = ContinuousClock.now

  /// Rebuilds `service` from the (locked) data directory and attaches the journal to it. The
  /// fan-outs a crash cut short wait for `resumeInterruptedFanOuts(_:)`. `withholdDeliveries`
  /// is called if the journal refuses a write (see `JournalMutationLog`).
  init(
    directory: DataDirectory, settings: Settings, service: ChannelCastService, logger: Logger,
    metrics: DaemonMetrics? = nil, syncObserver: (any JournalSyncObserver)? = nil,
    eventFeed: EventFeedQueue? = nil,
    withholdDeliveries: @escaping @Sendable () -> Void = {}
  ) throws {
    self.directory = directory
    self.settings = settings
    self.logger = logger
    snapshots = SnapshotWriter(directory: directory, logger: logger, metrics: metrics)
    let started = ContinuousClock.now
    var report = try StateRecovery(directory: directory).recover(into: service)
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
        lastLogSeq: report.lastLogSeq, queue: eventFeed, logger: logger),
      withholdDeliveries: withholdDeliveries)
    service.mutationLog = log
    Self.logRecovery(report, service: service, directory: directory, logger)
  }

  /// Fans out again the messages whose fan-out a crash cut short, and logs how many.
  func resumeInterruptedFanOuts(_ service: ChannelCastService) {
    let resumed = service.resumeInterruptedFanOuts()
    if resumed > 0 {
      logger.info(
        "fanning out again the messages a crash cut short", metadata: ["messages": "\(resumed)"])
    }
  }

  /// Writes a snapshot in the background when the journal has grown enough or enough time has
  /// passed. Called by the command thread after each run of requests.
  func snapshotIfDue(_ service: ChannelCastService) {
    let journalBytes = log.journal.bytesInGeneration
    let dueByBytes = journalBytes >= settings.snapshotJournalBytes
    let dueByTime =
      settings.snapshotIntervalSeconds > 0 && journalBytes > RecordFileFormat.headerLength
      && ContinuousClock.now - lastSnapshotAt >= .seconds(settings.snapshotIntervalSeconds)
    guard dueByBytes || dueByTime, !snapshots.isWriting, journalFailure == nil else { return }
    do {
      let (generation, snapshot) = try startSnapshot(service)
      snapshots.writeInBackground(snapshot, generation: generation)
    } catch {
      logger.error("could not start a snapshot", metadata: ["error": "\(error)"])
    }
  }

  /// Writes a snapshot now, on this thread, and returns its generation: for a clean stop and
  /// for backups.
  @discardableResult
  func snapshotNow(_ service: ChannelCastService) throws -> UInt64 {
    snapshots.waitUntilWritten()  // one in the background finishes first
    let (generation, snapshot) = try startSnapshot(service)
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
  private func startSnapshot(_ service: ChannelCastService) throws -> (UInt64, ServiceSnapshot) {
    let generation = try log.journal.rotate()
    lastSnapshotAt = .now
    var snapshot = service.takeSnapshot()
    snapshot.lastLogSeq = log.eventFeed.lastLogSeq
    return (generation, snapshot)
  }

  private static func logRecovery(
    _ report: RecoveryReport, service: ChannelCastService,
    directory: DataDirectory, _ logger: Logger
  ) {
    if let (path, offset) = report.truncatedTail {
      logger.warning(
        "the journal ended in a record cut short by a crash; cut it off",
        metadata: ["path": "\(path)", "offset": "\(offset)"])
    }
    let counts = service.counts
    logger.info(
      report.loadedAnything ? "recovered" : "started with an empty data directory",
      metadata: [
        "dataDirectory": "\(directory.path)", "milliseconds": "\(report.milliseconds)",
        "snapshotGeneration": "\(report.snapshotGeneration.map(String.init) ?? "none")",
        "journalFiles": "\(report.journalFiles)", "journalRecords": "\(report.journalRecords)",
        "officialAccounts": "\(counts.officialAccounts)", "users": "\(counts.users)",
        "subscriptions": "\(counts.subscriptions)",
        "fanOutsToResume": "\(service.interruptedFanOutCount)",
      ])
  }
}
