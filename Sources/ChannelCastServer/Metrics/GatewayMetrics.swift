import ChannelCastCore
import CoreMetrics
import Foundation

/// The gateway socket's metrics, read from its counts when `/metrics` is scraped:
/// `channelcast_gateway_sessions`, `channelcast_gateway_attached_users` and
/// `channelcast_gateway_presence_bytes` (what the shards' presence indexes hold) (gauges),
/// `channelcast_gateway_batches_sent_total` and `channelcast_gateway_recipients_sent_total`,
/// `channelcast_gateway_cut_offs_total`, and by `gatewayID`
/// `channelcast_gateway_batches_dropped_total` and `channelcast_gateway_recipients_dropped_total`.
///
/// `@unchecked Sendable`: `render` runs for one scrape at a time, under `lock`.
final class GatewayMetrics: @unchecked Sendable {
  private let factory: MetricsFactory
  private let lock = NSLock()
  private let sessions: CoreMetrics.Gauge
  private let attachedUsers: CoreMetrics.Gauge
  private let presenceBytes: CoreMetrics.Gauge
  private let batchesSent: CoreMetrics.Counter
  private let recipientsSent: CoreMetrics.Counter
  private let cutOffs: CoreMetrics.Counter
  private var droppedCounters:
    [String: (batches: CoreMetrics.Counter, recipients: CoreMetrics.Counter)] = [:]
  private var reported = GatewayCounts.Totals(
    batchesSent: 0, recipientsSent: 0, batchesDropped: 0, recipientsDropped: 0, cutOffs: 0,
    backPressureWaits: 0)
  private var reportedDrops: [String: (batches: UInt64, recipients: UInt64)] = [:]

  init(factory: MetricsFactory) {
    self.factory = factory
    sessions = CoreMetrics.Gauge(label: "channelcast_gateway_sessions", factory: factory)
    attachedUsers = CoreMetrics.Gauge(
      label: "channelcast_gateway_attached_users", factory: factory)
    presenceBytes = CoreMetrics.Gauge(
      label: "channelcast_gateway_presence_bytes", factory: factory)
    batchesSent = CoreMetrics.Counter(
      label: "channelcast_gateway_batches_sent_total", factory: factory)
    recipientsSent = CoreMetrics.Counter(
      label: "channelcast_gateway_recipients_sent_total", factory: factory)
    cutOffs = CoreMetrics.Counter(label: "channelcast_gateway_cut_offs_total", factory: factory)
  }

  /// Brings the metrics up to the gateway socket's counts.
  func update(counts: GatewayCounts, attachedUsers attached: Int, presenceBytes bytes: Int) {
    lock.withLock {
      sessions.record(counts.sessions.load(ordering: .relaxed))
      attachedUsers.record(attached)
      presenceBytes.record(bytes)
      let totals = counts.totals
      batchesSent.increment(by: Int64(totals.batchesSent - reported.batchesSent))
      recipientsSent.increment(by: Int64(totals.recipientsSent - reported.recipientsSent))
      cutOffs.increment(by: Int64(totals.cutOffs - reported.cutOffs))
      reported = totals
      for (gatewayID, drops) in counts.dropsByGateway {
        let counters =
          droppedCounters[gatewayID]
          ?? (
            CoreMetrics.Counter(
              label: "channelcast_gateway_batches_dropped_total",
              dimensions: [("gatewayID", gatewayID)], factory: factory),
            CoreMetrics.Counter(
              label: "channelcast_gateway_recipients_dropped_total",
              dimensions: [("gatewayID", gatewayID)], factory: factory)
          )
        droppedCounters[gatewayID] = counters
        let before = reportedDrops[gatewayID] ?? (0, 0)
        counters.batches.increment(by: Int64(drops.batches - before.batches))
        counters.recipients.increment(by: Int64(drops.recipients - before.recipients))
        reportedDrops[gatewayID] = drops
      }
    }
  }
}
