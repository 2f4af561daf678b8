import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Dispatch
import Logging

/// What the command thread works with: the service, the journal and snapshots that keep it,
/// and the fan-out it feeds.
///
/// Ownership: made on the command thread, used only there.
final class CommandProcessor: ServiceAdministration {
  private let service: ChannelCastService
  private let persistence: Persistence
  private let fanOut: FanOut
  private var shutdownTimeoutSeconds: Int
  private let logger: Logger
  private let metrics: DaemonMetrics?
  /// When the fan-outs a crash cut short are sent again; nil once they have been.
  private var resumeFanOutsAt: ContinuousClock.Instant?

  /// Recovers the service's state from the data directory; throws if it cannot.
  ///
  /// The messages whose fan-out a crash cut short are sent again `resumeFanOutDelay` after
  /// that, so that consumers, which reconnect on their own every 100 ms or so, are back first.
  /// `withholdDeliveries` is called if the journal refuses a write (see `JournalMutationLog`).
  init(
    service: ChannelCastService, directory: DataDirectory, settings: Persistence.Settings,
    fanOut: FanOut, shutdownTimeoutSeconds: Int, resumeFanOutDelay: Duration, logger: Logger,
    metrics: DaemonMetrics? = nil, eventFeed: EventFeedQueue? = nil,
    withholdDeliveries: @escaping @Sendable () -> Void = {}
  ) throws {
    self.service = service
    self.fanOut = fanOut
    self.shutdownTimeoutSeconds = shutdownTimeoutSeconds
    self.logger = logger
    self.metrics = metrics
    persistence = try Persistence(
      directory: directory, settings: settings, service: service, logger: logger,
      metrics: metrics, syncObserver: metrics.map(JournalSyncTiming.init), eventFeed: eventFeed,
      withholdDeliveries: withholdDeliveries)
    service.administration = self
    if service.interruptedFanOutCount > 0 { resumeFanOutsAt = .now + resumeFanOutDelay }
  }

  func handle(_ frame: ArraySlice<UInt8>, as role: Role = .admin) -> [UInt8] {
    guard let metrics else { return service.handle(frame, as: role) }
    let started = ContinuousClock.now
    let reply = service.handle(frame, as: role)
    metrics.recordCommand(service.lastOutcome, duration: ContinuousClock.now - started)
    return reply
  }

  /// The write the journal refused: the command thread stops without sending the replies in
  /// hand.
  var journalFailure: StorageError? { persistence.journalFailure }

  /// A client's connection to the command socket ended.
  func clientDisconnected() {
    metrics?.recordDisconnection()
  }

  /// Ends a run of requests (before its replies go out), and now and then when idle.
  func finishRun() {
    if let resumeFanOutsAt, ContinuousClock.now >= resumeFanOutsAt {
      persistence.resumeInterruptedFanOuts(service)
      self.resumeFanOutsAt = nil
    }
    service.finishRun()
    persistence.snapshotIfDue(service)
    metrics?.publish(service, journalBytesWritten: persistence.journalBytesWritten)
  }

  /// Applies the settings a reload may change live: the service's limits (history retention
  /// at once, for every channel), the snapshot triggers and the shutdown timeout.
  func apply(_ configuration: DaemonConfiguration) {
    service.updateLimits(configuration.limits)
    persistence.settings.snapshotJournalBytes = configuration.snapshotJournalBytes
    persistence.settings.snapshotIntervalSeconds = configuration.snapshotIntervalSeconds
    shutdownTimeoutSeconds = configuration.shutdownTimeoutSeconds
  }

  /// After the last request: lets the fan-outs in flight finish (up to the shutdown timeout),
  /// journals which did, and writes a snapshot, so that the next start loads quickly and
  /// sends again only what this one could not. After a journal failure it only closes the
  /// journal: the state in memory holds changes the journal does not, and the next start
  /// recovers from what it does.
  func stop() {
    guard journalFailure == nil else {
      try? persistence.close()
      return
    }
    if !fanOut.waitUntilDrained(timeout: .seconds(shutdownTimeoutSeconds)) {
      logger.warning(
        "fan-out did not finish within \(shutdownTimeoutSeconds) s; the next start sends the unfinished messages again",
        metadata: ["undelivered": "\(fanOut.queueDepths.reduce(0, +))"])
    }
    service.finishRun()
    do {
      try persistence.snapshotNow(service)
      try persistence.close()
    } catch {
      logger.error(
        "could not write the final snapshot; the journal holds everything",
        metadata: ["error": "\(error)"])
    }
  }

  func backup(to directory: String) throws(ChannelCastError) -> BackupReport {
    let copy = BackupCopy(destination: directory)
    try copy.prepare()
    let generation: UInt64
    do {
      generation = try persistence.snapshotNow(service)
    } catch {
      throw ChannelCastError(.internal, "the snapshot for the backup failed: \(error)")
    }
    let data = persistence.directory
    let (names, bytes) = try copy.copy([
      data.snapshotPath(generation), data.journalPath(generation),
    ])
    logger.info(
      "backup written",
      metadata: ["directory": "\(directory)", "generation": "\(generation)", "bytes": "\(bytes)"])
    return BackupReport(directory: directory, files: names, generation: generation, bytes: bytes)
  }
}
