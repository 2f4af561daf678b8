extension ConfigurationKey {
  /// The keys of cluster mode, the last of `all`. With `clusterNatsURLs` empty, the default,
  /// the daemon runs alone and the others do not matter.
  static let cluster: [ConfigurationKey] = [
    stringList(
      "clusterNatsURLs",
      help:
        "NATS servers of the cluster this node joins (nats:// or tls:// URLs; as a flag, "
        + "comma-separated). Empty: single-node mode.",
      \.cluster.natsURLs, problem: ClusterSettings.problem(withNATSURL:)),
    string(
      "clusterNodeName",
      help:
        "This node's name, unique in the cluster and required in cluster mode: 1 to "
        + "\(ClusterSettings.nodeNameMaxLength) of A-Z, a-z, 0-9, _ and - (it is part of NATS "
        + "subjects and message IDs).",
      \.cluster.nodeName, allowsEmpty: true, problem: ClusterSettings.problem(withNodeName:)),
    integer(
      "clusterChannelPartitions",
      help:
        "Partitions of the channels among the nodes. Every node must have the same value: a "
        + "node whose value differs from the cluster's refuses to start, naming both.",
      1...4096, \.cluster.channelPartitions),
    integer(
      "clusterUserPartitions",
      help:
        "Partitions of the users among the nodes. Every node must have the same value: a node "
        + "whose value differs from the cluster's refuses to start, naming both.",
      1...65_536, \.cluster.userPartitions),
    integer(
      "clusterStreamReplicas",
      help:
        "JetStream replicas of the cluster's streams: 1, 3 or 5; an acknowledged record is in a "
        + "majority of them.",
      oneOf: [1, 3, 5], \.cluster.streamReplicas),
    integer(
      "clusterHeartbeatMilliseconds",
      help: "How often a node writes its heartbeat to the cluster's key-value bucket.",
      100...60_000, \.cluster.heartbeatMilliseconds),
    integer(
      "clusterOwnerTimeoutMilliseconds",
      help:
        "A node whose heartbeat is older than this is taken for dead and its partitions are "
        + "taken over. At least 3 × clusterHeartbeatMilliseconds.",
      500...600_000, \.cluster.ownerTimeoutMilliseconds),
    integer(
      "clusterRequestTimeoutMilliseconds",
      help:
        "How long a node waits for a partition's owner to answer a forwarded request (then "
        + "internal: it may or may not have taken effect), to read the log to its end before a "
        + "read of every channel (then unavailable), and for each call to NATS.",
      100...600_000, \.cluster.requestTimeoutMilliseconds),
    integer(
      "clusterSnapshotEntries",
      help:
        "Entries of the cluster's log after the latest snapshot at which the node serving "
        + "channel partition 0 writes a new one to JetStream and trims the log up to it (and "
        + "no further than every live node has applied). A starting node loads the latest "
        + "snapshot and reads the log after it.",
      1...1_000_000_000, \.cluster.snapshotEntries),
  ]
}
