import CoreMetrics

/// A cluster node's metrics, published by the command thread once per run:
/// `channelcast_cluster_channel_partitions` and `channelcast_cluster_user_partitions` (the
/// partitions this node serves), `channelcast_cluster_live_nodes`,
/// `channelcast_cluster_replication_lag` (entries of the log not applied yet) (gauges), and
/// `channelcast_cluster_takeovers_total` and `channelcast_cluster_forwarded_requests_total`
/// by `direction` (`out`: to an owner; `in`: decided for another node) (counters).
///
/// Ownership: the command thread.
final class ClusterMetrics {
  private let channelPartitions: Gauge
  private let userPartitions: Gauge
  private let liveNodes: Gauge
  private let replicationLag: Gauge
  private let takeovers: Counter
  private let forwardedOut: Counter
  private let forwardedIn: Counter
  private var reported = ClusterNode.Counts()

  init(factory: MetricsFactory) {
    channelPartitions = Gauge(label: "channelcast_cluster_channel_partitions", factory: factory)
    userPartitions = Gauge(label: "channelcast_cluster_user_partitions", factory: factory)
    liveNodes = Gauge(label: "channelcast_cluster_live_nodes", factory: factory)
    replicationLag = Gauge(label: "channelcast_cluster_replication_lag", factory: factory)
    takeovers = Counter(label: "channelcast_cluster_takeovers_total", factory: factory)
    forwardedOut = Counter(
      label: "channelcast_cluster_forwarded_requests_total", dimensions: [("direction", "out")],
      factory: factory)
    forwardedIn = Counter(
      label: "channelcast_cluster_forwarded_requests_total", dimensions: [("direction", "in")],
      factory: factory)
  }

  func publish(_ counts: ClusterNode.Counts) {
    channelPartitions.record(counts.channelPartitions)
    userPartitions.record(counts.userPartitions)
    liveNodes.record(counts.liveNodes)
    replicationLag.record(counts.replicationLag)
    takeovers.increment(by: Int64(counts.takeovers - reported.takeovers))
    forwardedOut.increment(by: Int64(counts.forwardedOut - reported.forwardedOut))
    forwardedIn.increment(by: Int64(counts.forwardedIn - reported.forwardedIn))
    reported = counts
  }
}
