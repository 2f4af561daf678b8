import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Dispatch
import Logging

/// What the command thread works with: the state, the service deciding requests against it,
/// the journal and snapshots that keep it (or, in cluster mode, the cluster's log), and the
/// fan-out it feeds.
///
/// Ownership: made on the command thread, used only there.
final class CommandProcessor {
  private let service: ChannelCastService
  /// Single-node mode: the journal and snapshots. Nil in cluster mode.
  private let persistence: Persistence?
  /// Cluster mode: the replicated log and the forwarding between nodes. Nil in single-node
  /// mode.
  let cluster: ClusterNode?
  private let fanOut: FanOut
  private var shutdownTimeoutSeconds: Int
  private let logger: Logger
  private let metrics: DaemonMetrics?
  /// Cluster mode with metrics: the node's.
  private let clusterMetrics: ClusterMetrics?
  /// When the fan-outs a crash cut short are sent again; nil once they have been.
  private var resumeFanOutsAt: ContinuousClock.Instant?

  /// Recovers the state from the data directory (throws if it cannot) and makes the service
  /// that journals into it. In cluster mode (`cluster` given, with the delivery scope its
  /// fan-out uses) the state comes from the cluster's log instead, and the service commits to
  /// it.
  ///
  /// The messages whose fan-out a crash cut short are sent again `resumeFanOutDelay` after
  /// that, so that consumers, which reconnect on their own every 100 ms or so, are back first.
  init(
    limits: ServiceLimits, users: UserDirectory, directory: DataDirectory,
    settings: Persistence.Settings, fanOut: FanOut, shutdownTimeoutSeconds: Int,
    resumeFanOutDelay: Duration, logger: Logger, metrics: DaemonMetrics? = nil,
    eventFeed: EventFeedQueue? = nil,
    cluster: (settings: ClusterSettings, scope: DeliveryScope)? = nil
  ) throws {
    self.fanOut = fanOut
    self.shutdownTimeoutSeconds = shutdownTimeoutSeconds
    self.logger = logger
    self.metrics = metrics
    clusterMetrics = cluster == nil ? nil : metrics.map { ClusterMetrics(factory: $0.factory) }
    if let cluster {
      persistence = nil
      let node = try ClusterNode(
        settings: cluster.settings, scope: cluster.scope, cacheDirectory: directory.path,
        logger: logger,
        makeState: {
          ChannelCastState(
            shardCount: fanOut.shardCount, directory: users, retention: HistoryRetention(limits))
        },
        makeService: { state, log in
          ChannelCastService(state: state, limits: limits, fanOut: fanOut, log: log)
        })
      self.cluster = node
      service = node.service
      return
    }
    self.cluster = nil
    let persistence = try Persistence(
      directory: directory, settings: settings,
      state: ChannelCastState(
        shardCount: fanOut.shardCount, directory: users, retention: HistoryRetention(limits)),
      logger: logger, metrics: metrics, syncObserver: metrics.map(JournalSyncTiming.init),
      eventFeed: eventFeed)
    self.persistence = persistence
    service = ChannelCastService(
      state: persistence.state, limits: limits, fanOut: fanOut, log: persistence.mutationLog,
      administration: persistence)
    if service.interruptedFanOutCount > 0 { resumeFanOutsAt = .now + resumeFanOutDelay }
  }

  func handle(_ frame: ArraySlice<UInt8>, as role: Role = .admin) -> [UInt8] {
    guard let metrics else { return service.handle(frame, as: role).reply }
    let started = ContinuousClock.now
    let handled = service.handle(frame, as: role)
    metrics.recordCommand(handled.outcome, duration: ContinuousClock.now - started)
    return handled.reply
  }

  /// Cluster mode: applies what the log has ready and decides what other nodes forwarded (see
  /// `ClusterNode.turn`). Call it each turn of the loop, before the run's requests.
  func clusterTurn() throws(DaemonPartError) {
    try cluster?.turn { handle($0, as: .admin) }
  }

  /// A client's connection to the command socket ended.
  func clientDisconnected() {
    metrics?.recordDisconnection()
  }

  /// Ends a run of requests (before its replies go out), and now and then when idle. Throws
  /// `journalNotWritten` once the journal has refused a write: the run's replies must not go
  /// out.
  func finishRun() throws(DaemonPartError) {
    if let resumeFanOutsAt, ContinuousClock.now >= resumeFanOutsAt {
      let resumed = service.resumeInterruptedFanOuts()
      if resumed > 0 {
        logger.info(
          "fanning out again the messages a crash cut short",
          metadata: ["messages": "\(resumed)"])
      }
      self.resumeFanOutsAt = nil
    }
    do {
      try service.finishRun()
    } catch let error as StorageError {
      throw .journalNotWritten(error)
    } catch {
      if cluster != nil { throw .clusterLogFailed("\(error)") }
      throw .endedUnexpectedly("command server (\(error))")
    }
    try cluster?.applyCommitted()
    persistence?.snapshotIfDue()
    metrics?.publish(service, journalBytesWritten: persistence?.journalBytesWritten ?? 0)
    if let cluster, let clusterMetrics { clusterMetrics.publish(cluster.counts) }
  }

  /// Applies the settings a reload may change live: the service's limits (history retention
  /// at once, for every channel), the snapshot triggers and the shutdown timeout.
  func apply(_ configuration: DaemonConfiguration) {
    service.updateLimits(configuration.limits)
    persistence?.settings.snapshotJournalBytes = configuration.snapshotJournalBytes
    persistence?.settings.snapshotIntervalSeconds = configuration.snapshotIntervalSeconds
    shutdownTimeoutSeconds = configuration.shutdownTimeoutSeconds
  }

  /// After the last request: lets the fan-outs in flight finish (up to the shutdown timeout),
  /// journals which did, and writes a snapshot, so that the next start loads quickly and
  /// sends again only what this one could not. After a journal failure it only closes the
  /// journal: the state in memory holds changes the journal does not, and the next start
  /// recovers from what it does.
  func stop() {
    defer { cluster?.stop() }
    guard let persistence else {
      _ = fanOut.waitUntilDrained(timeout: .seconds(shutdownTimeoutSeconds))
      return
    }
    guard persistence.journalFailure == nil else {
      try? persistence.close()
      return
    }
    if !fanOut.waitUntilDrained(timeout: .seconds(shutdownTimeoutSeconds)) {
      logger.warning(
        "fan-out did not finish within \(shutdownTimeoutSeconds) s; the next start sends the unfinished messages again",
        metadata: ["undelivered": "\(fanOut.queueDepths.reduce(0, +))"])
    }
    do {
      try service.finishRun()
      try persistence.snapshotNow()
      try persistence.close()
    } catch {
      logger.error(
        "could not write the final snapshot; the journal holds everything",
        metadata: ["error": "\(error)"])
    }
  }
}
