/// The settings of cluster mode, as the `cluster…` keys give them. `DaemonConfiguration.clusterSettings` is nil in single-node mode, when `natsURLs`
/// is empty.
public struct ClusterSettings: Sendable, Equatable {
  /// The NATS servers of the cluster (`nats://` or `tls://` URLs); a node connects to any.
  public var natsURLs: [String] = []
  /// This node's name, unique in the cluster; part of NATS subjects and message IDs.
  public var nodeName = ""
  /// The partitions of the channels among the nodes; the same on every node.
  public var channelPartitions = 32
  /// The partitions of the users among the nodes; the same on every node.
  public var userPartitions = 256
  /// JetStream replicas of the cluster's streams; an acknowledged record is in a majority.
  public var streamReplicas = 3
  /// How often a node writes its heartbeat to the cluster's key-value bucket.
  public var heartbeatMilliseconds = 1_000
  /// The age of a heartbeat after which its node is taken for dead and its partitions taken
  /// over.
  public var ownerTimeoutMilliseconds = 5_000
  /// How long a node waits for a partition's owner to answer a forwarded request, or for the
  /// stream to acknowledge a record, before it answers `unavailable`.
  public var requestTimeoutMilliseconds = 5_000
  /// Entries of the log after the latest snapshot at which a new one is written (to
  /// JetStream, by the node serving channel partition 0), and the log trimmed up to it.
  public var snapshotEntries = 100_000

  /// The most characters of a node's name.
  static let nodeNameMaxLength = 64

  /// Checks the settings together, in cluster mode: a node needs a name, and a node must miss
  /// three heartbeats before it is taken for dead.
  func validate() throws(ConfigurationError) {
    guard !nodeName.isEmpty else {
      throw ConfigurationError(
        key: "clusterNodeName",
        reason:
          "cluster mode (clusterNatsURLs is set) needs this node's name, unique in the cluster")
    }
    guard ownerTimeoutMilliseconds >= 3 * heartbeatMilliseconds else {
      throw ConfigurationError(
        key: "clusterOwnerTimeoutMilliseconds",
        reason:
          "\(ownerTimeoutMilliseconds) is less than three heartbeats; it must be at least 3 × "
          + "clusterHeartbeatMilliseconds = \(3 * heartbeatMilliseconds)")
    }
  }

  /// Why `url` cannot be a NATS server's URL; nil when it can.
  static func problem(withNATSURL url: String) -> String? {
    url.hasPrefix("nats://") || url.hasPrefix("tls://")
      ? nil : "\"\(url)\" is not a NATS URL; it must start with nats:// or tls://"
  }

  /// Why `name` cannot be a node's name; nil when it can. The name is part of NATS subjects,
  /// where `.`, `*`, `>` and spaces have meanings, hence the short alphabet.
  static func problem(withNodeName name: String) -> String? {
    if name.count > nodeNameMaxLength {
      return "\"\(name)\" is \(name.count) characters; the limit is \(nodeNameMaxLength)"
    }
    let allowed = name.unicodeScalars.allSatisfy { scalar in
      ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
    }
    return allowed ? nil : "\"\(name)\" may hold only the characters A-Z, a-z, 0-9, _ and -"
  }
}
