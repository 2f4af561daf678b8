import ChannelCastCore
import ChannelCastProtocol
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The daemon's metrics (prefix `channelcast_`), kept in its own Prometheus registry through
/// swift-metrics, and rendered as Prometheus text for `/metrics`.
///
/// Hot paths never touch them: the command thread publishes its counts once per run of
/// requests (`publish`), shards report a broadcast only when its fan-out ends, and the totals
/// the shards keep in atomics are read when `/metrics` is scraped (`render`).
///
/// `@unchecked Sendable`: every metric object is thread-safe; the mutable bookkeeping
/// (`published`, the per-op caches) is touched by one thread each, as its doc says.
final class DaemonMetrics: @unchecked Sendable {
  private let registry = PrometheusCollectorRegistry()
  /// Also makes the metrics of parts that keep their own (`DaemonMetrics+EventFeed`).
  let factory: PrometheusMetricsFactory

  private let broadcasts: CoreMetrics.Counter
  private let deliveriesSent: CoreMetrics.Counter
  private let deliveriesDropped: CoreMetrics.Counter
  private let consumersCutOff: CoreMetrics.Counter
  private let subscribedTopics: CoreMetrics.Gauge
  private let pendingDeliveries: CoreMetrics.Gauge
  private let events: [EventType: CoreMetrics.Counter]
  private let subscriptions: CoreMetrics.Gauge
  private let officialAccounts: CoreMetrics.Gauge
  private let users: CoreMetrics.Gauge
  private let journalBytes: CoreMetrics.Counter
  private let commandDisconnections: CoreMetrics.Counter
  /// CURVE handshakes by socket (`command`, `delivery`, `events`, `gateway`) and result
  /// (`allowed`, `refused`).
  private let authentications: [String: CoreMetrics.Counter]
  private let fanOutDuration: CoreMetrics.Timer
  private let journalSyncDuration: CoreMetrics.Timer
  private let snapshotDuration: CoreMetrics.Timer
  private let recoveryDuration: CoreMetrics.Gauge
  private let ready: CoreMetrics.Gauge

  /// Command-thread only: counters and timers by op and code, made on first use.
  private var commands: [RequestOutcome: CoreMetrics.Counter] = [:]
  private var commandDurations: [RequestOutcome.Op: CoreMetrics.Timer] = [:]
  /// Command-thread only: the metrics of the last outcome. Clients send runs of the same op,
  /// so most requests find theirs here without hashing.
  private var lastCommand:
    (outcome: RequestOutcome, counter: CoreMetrics.Counter, timer: CoreMetrics.Timer)?
  /// Command-thread only: what `publish` last reported, to increment counters by the change.
  private var published = PublishedTotals()
  /// Broadcasts published so far, for the throughput line.
  private let broadcastTotal = Atomic<UInt64>(0)
  /// Scrape only (one scrape at a time): the delivery totals last reported.
  private let scraped = NSLock()
  private var scrapedDeliveries: (sent: UInt64, dropped: UInt64, cutOffs: UInt64) = (0, 0, 0)
  /// Scrape only: one gauge per shard, made at the first scrape.
  private var queueDepthGauges: [CoreMetrics.Gauge] = []

  private struct PublishedTotals {
    var broadcasts: UInt64 = 0
    var events = [UInt64](repeating: 0, count: EventType.allCases.count)
    var journalBytes: UInt64 = 0
  }

  init() {
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.durationHistogramBuckets = [
      "channelcast_command_duration_seconds": Self.buckets(microseconds: [
        25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 250_000, 1_000_000,
      ]),
      "channelcast_fanout_duration_seconds": Self.buckets(microseconds: [
        100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 10_000_000,
      ]),
      "channelcast_journal_fsync_duration_seconds": Self.buckets(microseconds: [
        50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 250_000, 1_000_000,
      ]),
      "channelcast_snapshot_duration_seconds": Self.buckets(microseconds: [
        10_000, 100_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000,
        60_000_000,
      ]),
    ]
    self.factory = factory
    broadcasts = CoreMetrics.Counter(label: "channelcast_broadcasts_total", factory: factory)
    deliveriesSent = CoreMetrics.Counter(
      label: "channelcast_deliveries_sent_total", factory: factory)
    deliveriesDropped = CoreMetrics.Counter(
      label: "channelcast_deliveries_dropped_total", factory: factory)
    consumersCutOff = CoreMetrics.Counter(
      label: "channelcast_consumers_cut_off_total", factory: factory)
    subscribedTopics = CoreMetrics.Gauge(
      label: "channelcast_subscribed_topics", factory: factory)
    pendingDeliveries = CoreMetrics.Gauge(
      label: "channelcast_pending_deliveries", factory: factory)
    events = Dictionary(
      uniqueKeysWithValues: EventType.allCases.map {
        (
          $0,
          CoreMetrics.Counter(
            label: "channelcast_events_total", dimensions: [("type", $0.name)], factory: factory)
        )
      })
    subscriptions = CoreMetrics.Gauge(label: "channelcast_subscriptions", factory: factory)
    officialAccounts = CoreMetrics.Gauge(label: "channelcast_official_accounts", factory: factory)
    users = CoreMetrics.Gauge(label: "channelcast_users", factory: factory)
    journalBytes = CoreMetrics.Counter(label: "channelcast_journal_bytes_total", factory: factory)
    commandDisconnections = CoreMetrics.Counter(
      label: "channelcast_command_disconnections_total", factory: factory)
    authentications = Dictionary(
      uniqueKeysWithValues: [
        (ClientRegistry.commandDomain, "command"), (ClientRegistry.deliveryDomain, "delivery"),
        (ClientRegistry.eventsDomain, "events"), (ClientRegistry.gatewayDomain, "gateway"),
      ].flatMap { domain, socket in
        [("allowed", true), ("refused", false)].map { result, allowed in
          (
            Self.authenticationKey(domain, allowed),
            CoreMetrics.Counter(
              label: "channelcast_authentications_total",
              dimensions: [("socket", socket), ("result", result)], factory: factory)
          )
        }
      })
    fanOutDuration = CoreMetrics.Timer(
      label: "channelcast_fanout_duration_seconds", factory: factory)
    journalSyncDuration = CoreMetrics.Timer(
      label: "channelcast_journal_fsync_duration_seconds", factory: factory)
    snapshotDuration = CoreMetrics.Timer(
      label: "channelcast_snapshot_duration_seconds", factory: factory)
    recoveryDuration = CoreMetrics.Gauge(
      label: "channelcast_recovery_duration_seconds", factory: factory)
    ready = CoreMetrics.Gauge(label: "channelcast_ready", factory: factory)
    ready.record(0)
  }

  private static func nanoseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
  }

  private static func buckets(microseconds: [Int64]) -> [Duration] {
    microseconds.map { .microseconds($0) }
  }

  // MARK: Reported as they happen

  /// One request handled (command thread).
  func recordCommand(_ outcome: RequestOutcome, duration: Duration) {
    if let lastCommand, lastCommand.outcome == outcome {
      lastCommand.counter.increment()
      lastCommand.timer.recordNanoseconds(Self.nanoseconds(duration))
      return
    }
    let counter =
      commands[outcome]
      ?? {
        let counter = CoreMetrics.Counter(
          label: "channelcast_commands_total",
          dimensions: [("op", outcome.opLabel), ("code", outcome.codeLabel)], factory: factory)
        commands[outcome] = counter
        return counter
      }()
    counter.increment()
    let timer =
      commandDurations[outcome.op]
      ?? {
        let timer = CoreMetrics.Timer(
          label: "channelcast_command_duration_seconds", dimensions: [("op", outcome.opLabel)],
          factory: factory)
        commandDurations[outcome.op] = timer
        return timer
      }()
    timer.recordNanoseconds(Self.nanoseconds(duration))
    lastCommand = (outcome, counter, timer)
  }

  /// A client connection to the command socket ended (command thread).
  func recordDisconnection() {
    commandDisconnections.increment()
  }

  /// A client's CURVE handshake was let in or refused (ZAP thread).
  func recordAuthentication(domain: String, allowed: Bool) {
    authentications[Self.authenticationKey(domain, allowed)]?.increment()
  }

  private static func authenticationKey(_ domain: String, _ allowed: Bool) -> String {
    "\(domain) \(allowed)"
  }

  /// A broadcast's fan-out ended (any shard).
  func recordFanOut(_ duration: Duration) {
    fanOutDuration.recordNanoseconds(Self.nanoseconds(duration))
  }

  func recordJournalSync(_ duration: Duration) {
    journalSyncDuration.recordNanoseconds(Self.nanoseconds(duration))
  }

  func recordSnapshot(_ duration: Duration) {
    snapshotDuration.recordNanoseconds(Self.nanoseconds(duration))
  }

  func recordRecovery(_ duration: Duration) {
    recoveryDuration.record(Double(duration / .milliseconds(1)) / 1000)
  }

  func setReady(_ isReady: Bool) {
    ready.record(isReady ? 1 : 0)
  }

  // MARK: Published once per run (command thread)

  /// Reports what changed in the service's counts since the last call.
  func publish(_ service: ChannelCastService, journalBytesWritten: UInt64) {
    let counts = service.state.counts
    subscriptions.record(counts.subscriptions)
    officialAccounts.record(counts.officialAccounts)
    users.record(counts.users)
    broadcasts.increment(by: Int64(service.broadcasts - published.broadcasts))
    published.broadcasts = service.broadcasts
    broadcastTotal.store(service.broadcasts, ordering: .relaxed)
    for type in EventType.allCases {
      let count = service.eventCount(type)
      if count != published.events[type.rawValue] {
        events[type]!.increment(by: Int64(count - published.events[type.rawValue]))
        published.events[type.rawValue] = count
      }
    }
    if journalBytesWritten != published.journalBytes {
      journalBytes.increment(by: Int64(journalBytesWritten - published.journalBytes))
      published.journalBytes = journalBytesWritten
    }
  }

  /// Broadcasts the command thread has published (any thread).
  var broadcastsSoFar: UInt64 { broadcastTotal.load(ordering: .relaxed) }

  // MARK: Read when scraped

  /// The Prometheus text, after reading the fan-out's totals and queue depths, and from the
  /// delivery socket how many times it has cut off a consumer and how many topics its
  /// consumers subscribe to.
  func render(fanOut: FanOut, consumersCutOff cutOffs: UInt64, subscribedTopics topics: Int)
    -> [UInt8]
  {
    scraped.withLock {
      subscribedTopics.record(topics)
      let sent = fanOut.deliveriesSent
      let dropped = fanOut.deliveriesDropped
      deliveriesSent.increment(by: Int64(sent - scrapedDeliveries.sent))
      deliveriesDropped.increment(by: Int64(dropped - scrapedDeliveries.dropped))
      consumersCutOff.increment(by: Int64(cutOffs - scrapedDeliveries.cutOffs))
      scrapedDeliveries = (sent, dropped, cutOffs)
      let depths = fanOut.queueDepths
      pendingDeliveries.record(depths.reduce(0, +))
      if queueDepthGauges.isEmpty {
        queueDepthGauges = depths.indices.map {
          CoreMetrics.Gauge(
            label: "channelcast_shard_queue_depth", dimensions: [("shard", String($0))],
            factory: factory)
        }
      }
      for (gauge, depth) in zip(queueDepthGauges, depths) { gauge.record(depth) }
    }
    return registry.emitToBuffer()
  }
}
