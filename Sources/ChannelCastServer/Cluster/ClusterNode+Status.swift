import ChannelCastProtocol

/// What `ping`, `stats` and the metrics show of a node.
extension ClusterNode {
  /// What the node has done, for `stats` and the metrics.
  struct Counts {
    var channelPartitions = 0
    var userPartitions = 0
    var liveNodes = 0
    var replicationLag: UInt64 = 0
    var takeovers = 0
    var forwardedOut: UInt64 = 0
    var forwardedIn: UInt64 = 0
  }

  var counts: Counts {
    Counts(
      channelPartitions: log.servedChannelPartitions.count,
      userPartitions: log.servedUserPartitions.count, liveNodes: membership.members.count,
      replicationLag: log.entriesBehind, takeovers: log.takeovers, forwardedOut: forwardedOut,
      forwardedIn: forwardedIn)
  }

  /// `stats`' `cluster` object.
  func statistics() -> JSONObjectWriter {
    let counts = counts
    var object = JSONObjectWriter()
    object.add("nodeName", settings.nodeName)
    object.add("liveNodes", counts.liveNodes)
    object.add("channelPartitionsOwned", counts.channelPartitions)
    object.add("userPartitionsOwned", counts.userPartitions)
    object.add("replicationLag", counts.replicationLag)
    object.add("takeovers", counts.takeovers)
    object.add("forwardedOut", counts.forwardedOut)
    object.add("forwardedIn", counts.forwardedIn)
    return object
  }

  /// `ping`'s `cluster` object.
  func status() -> JSONObjectWriter {
    var object = JSONObjectWriter()
    object.add("nodeName", settings.nodeName)
    var nodes = JSONArrayWriter()
    for name in membership.members.keys.sorted() { nodes.append(name) }
    object.add("nodes", array: nodes)
    object.add("channelPartitions", array: Self.numbers(log.servedChannelPartitions.keys))
    object.add("userPartitions", array: Self.numbers(log.servedUserPartitions.keys))
    return object
  }

  private static func numbers(_ values: some Sequence<Int>) -> JSONArrayWriter {
    var array = JSONArrayWriter()
    for value in values.sorted() { array.append(rawJSON: Array(String(value).utf8)) }
    return array
  }
}
