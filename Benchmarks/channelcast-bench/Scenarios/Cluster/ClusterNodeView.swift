import ChannelCastClient
import ZeroMQ

/// What one node of a cluster says of it in its `ping` reply's `cluster` object: the live nodes
/// it sees and the partitions it serves.
struct ClusterNodeView: Equatable {
  let nodeName: String
  let nodes: [String]
  let channelPartitions: [Int]
  let userPartitions: [Int]

  /// Pings the node at `endpoint` with a fresh client (a request that timed out would stay
  /// queued in a reused one); nil when it does not answer ok within `timeoutMilliseconds` or its
  /// reply has no `cluster` object.
  init?(pinging endpoint: String, context: ZMQContext, timeoutMilliseconds: Int = 1000) {
    guard
      let client = try? ChannelCastClient(
        endpoint: endpoint, context: context, timeoutMilliseconds: timeoutMilliseconds),
      let reply = try? client.call(.ping), reply.ok,
      let cluster = reply.result?.objectMembers?["cluster"]?.objectMembers,
      let nodeName = cluster["nodeName"]?.stringValue
    else { return nil }
    func numbers(_ key: String) -> [Int] {
      (cluster[key]?.arrayElements ?? []).compactMap { $0.int64Value.map(Int.init) }
    }
    self.nodeName = nodeName
    nodes = (cluster["nodes"]?.arrayElements ?? []).compactMap(\.stringValue).sorted()
    channelPartitions = numbers("channelPartitions").sorted()
    userPartitions = numbers("userPartitions").sorted()
  }
}
