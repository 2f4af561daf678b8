import ChannelCastCore
import ChannelCastStorage
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// Everything an operator can set. Defaults come first, a TOML file (`--config`) overrides them,
/// and command-line flags override the file.
public struct DaemonConfiguration: Sendable, Equatable {
  /// Where publishers send commands (a ROUTER socket).
  public var commandEndpoint = "tcp://127.0.0.1:7701"
  /// Where gateways receive deliveries (an XPUB socket).
  public var deliveryEndpoint = "tcp://127.0.0.1:7702"
  /// Where backends receive every journaled change (a PUB socket); empty for no event feed.
  public var eventsEndpoint = ""
  /// Where gateways attach their online users and receive batches (a ROUTER socket); empty for
  /// none.
  public var gatewayEndpoint = "tcp://127.0.0.1:7703"
  /// Seconds between ZMTP heartbeats on gateway connections; silence for three intervals ends
  /// the connection, and with it the gateway's attachments. 0 for none.
  public var gatewayHeartbeatSeconds = 5
  /// Batches libzmq queues per gateway before fan-out waits for it (or, under `drop`, drops).
  public var gatewayHighWaterMark = 1_000
  /// The most recipients in one gateway batch.
  public var gatewayBatchMaxUsers = 4_096
  /// The largest request message; a larger one drops the client's connection (no reply).
  public var maxRequestBytes = 64 << 10
  /// Deliveries queued per consumer before fan-out waits for it. Every delivery queued ahead of
  /// a small channel's is latency for it, so the queue is kept short: at 1,000 a burst from a
  /// large broadcast delays other channels by about a millisecond rather than ten, at the same
  /// throughput (docs/performance.md).
  public var deliveryHighWaterMark = 1_000
  /// The kernel send buffer of each consumer's TCP connection (`SO_SNDBUF`); 0 for the OS
  /// default. Loopback autotuning grows the default to megabytes: thousands of deliveries that a
  /// small channel's wait behind, like those in the queue above. Too small a buffer starves the
  /// connection instead (docs/performance.md: the mixed scenario over tcp).
  public var deliverySendBufferBytes = 0
  /// What fan-out does when a consumer falls behind: wait (`block`) or drop and count.
  public var slowConsumerPolicy = SlowConsumerPolicy.block
  /// Under `drop`, how long fan-out waits for a full consumer before cutting it off. A healthy
  /// consumer is full for an instant in every burst (fan-out outpaces libzmq's I/O thread), so
  /// a full queue alone does not make a consumer slow.
  public var slowConsumerGraceMilliseconds = 1_000
  /// Fan-out shards (serial queues); a user always lands on the same one.
  public var shards = DaemonConfiguration.processorCount
  /// Seconds a clean shutdown waits for fan-outs in flight.
  public var shutdownTimeoutSeconds = 30
  /// Service limits: default `maxSubscriberCount`, history retention, payload size.
  public var limits = ServiceLimits()
  /// Where the journal and snapshots live; one daemon at a time (a lock file).
  public var dataDirectory = "./channelcast-data"
  /// When a journal write is forced to disk: every commit, once a second, or when the kernel
  /// likes.
  public var fsync = FsyncPolicy.everysec
  /// Journal bytes after which a snapshot is written and the journal before it dropped.
  public var snapshotJournalBytes = 64 << 20
  /// Seconds after which a snapshot is written if anything changed; 0 for only by size.
  public var snapshotIntervalSeconds = 3600
  /// Milliseconds after start before the messages whose fan-out a crash cut short are sent
  /// again: time for consumers to reconnect.
  public var resumeFanOutDelayMilliseconds = 2000
  /// The daemon's CURVE key file; empty for no authentication.
  public var serverKeyFile = ""
  /// The keys that may connect and their roles, when `serverKeyFile` is set.
  public var clientsFile = ""
  /// Whether an endpoint reachable from other machines may be served without CURVE.
  public var allowInsecure = false
  public var logLevel = Logger.Level.info
  /// Where `/metrics`, `/healthz` and `/readyz` are served over HTTP ("host:port"); empty for
  /// nowhere.
  public var metricsAddress = "127.0.0.1:9464"
  /// The `cluster…` keys, in force or not; `clusterSettings` gives them in cluster mode.
  public var cluster = ClusterSettings()

  /// `limits.channelSendRatePerSecond` as the whole number the configuration gives.
  public var channelSendRatePerSecond: Int {
    get { Int(limits.channelSendRatePerSecond) }
    set { limits.channelSendRatePerSecond = Double(newValue) }
  }

  /// `limits.duplicateWindowMs` in seconds, as the configuration gives it.
  public var duplicateWindowSeconds: Int {
    get { Int(limits.duplicateWindowMs / 1000) }
    set { limits.duplicateWindowMs = Int64(newValue) * 1000 }
  }

  /// `limits.historyMaxAgeMs` in seconds, as the configuration gives it.
  public var historyMaxAgeSeconds: Int {
    get { Int(limits.historyMaxAgeMs / 1000) }
    set { limits.historyMaxAgeMs = Int64(newValue) * 1000 }
  }

  public init() {}

  /// This configuration with the keys a reload applies live (`ConfigurationKey.reloadable`)
  /// taken from `new`; `clientsFile` only when it is in use.
  func takingLiveSettings(of new: DaemonConfiguration, clientsFile: Bool) -> DaemonConfiguration {
    var result = self
    for key in ConfigurationKey.reloadable where clientsFile || key.name != "clientsFile" {
      key.transfer(&result, new)
    }
    return result
  }

  /// Whether the sockets require CURVE.
  public var requiresCurve: Bool { !serverKeyFile.isEmpty }

  /// The endpoints that other machines can reach.
  var exposedEndpoints: [String] {
    [commandEndpoint, deliveryEndpoint, eventsEndpoint, gatewayEndpoint].filter {
      !$0.isEmpty && !EndpointExposure.isLoopbackOnly($0)
    }
  }

  /// Checks the security settings together: CURVE needs both files, and an endpoint other
  /// machines can reach needs CURVE unless `allowInsecure` says otherwise.
  public func validateSecurity() throws(ConfigurationError) {
    if serverKeyFile.isEmpty != clientsFile.isEmpty {
      throw ConfigurationError(
        key: serverKeyFile.isEmpty ? "serverKeyFile" : "clientsFile",
        reason:
          "serverKeyFile and clientsFile go together: the daemon's key, and the keys that may "
          + "connect")
    }
    guard !requiresCurve, !allowInsecure, let exposed = exposedEndpoints.first else { return }
    let key =
      [
        ("commandEndpoint", commandEndpoint), ("deliveryEndpoint", deliveryEndpoint),
        ("eventsEndpoint", eventsEndpoint), ("gatewayEndpoint", gatewayEndpoint),
      ].first { $0.1 == exposed }!.0
    throw ConfigurationError(
      key: key,
      reason:
        "\(exposed) can be reached from other machines, and without CURVE anyone who reaches it "
        + "can broadcast to every subscriber (or read every delivery). Set serverKeyFile and "
        + "clientsFile (see channelcast keygen), or allowInsecure = true to serve it anyway.")
  }

  /// The settings of cluster mode; nil in single-node mode (`clusterNatsURLs` empty), the
  /// default.
  public var clusterSettings: ClusterSettings? {
    cluster.natsURLs.isEmpty ? nil : cluster
  }

  /// Checks the cluster settings together, in cluster mode: the node's name is required, and
  /// `clusterOwnerTimeoutMilliseconds` must be at least three heartbeats.
  public func validateCluster() throws(ConfigurationError) {
    try clusterSettings?.validate()
  }

  var persistence: Persistence.Settings {
    Persistence.Settings(
      fsync: fsync, snapshotJournalBytes: snapshotJournalBytes,
      snapshotIntervalSeconds: snapshotIntervalSeconds)
  }

  /// The number of online processors, at least 1.
  public static var processorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }
}

/// A configuration key that could not be accepted, and why.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
  /// The key at fault (camelCase as in the file), or nil for the file as a whole.
  public let key: String?
  public let reason: String
  /// Where the value came from: a file path or "command line".
  public var source: String?

  public init(key: String?, reason: String, source: String? = nil) {
    self.key = key
    self.reason = reason
    self.source = source
  }

  public var description: String {
    let origin = source.map { "\($0): " } ?? ""
    return key.map { "\(origin)\($0): \(reason)" } ?? "\(origin)\(reason)"
  }
}
