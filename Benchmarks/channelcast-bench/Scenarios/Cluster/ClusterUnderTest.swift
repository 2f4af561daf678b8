import ChannelCastCore
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// The cluster the cluster scenario measures, as operators run one but on one machine: three
/// nats-server processes routed into one JetStream cluster and three channelcastd nodes (`n1`,
/// `n2`, `n3`, the release build `DaemonOptions` finds) in cluster mode with R3 streams, each
/// node on its own ipc:// endpoints, everything in one temporary folder. `stop()` ends the nodes,
/// then the servers, and removes the folder; so does a failed start.
final class ClusterUnderTest {
  static let nodeNames = ["n1", "n2", "n3"]
  /// The partition counts every node is started with (the daemon's defaults), which the
  /// harness also needs to find a channel's owner.
  static let partitions = ClusterPartitions(channelPartitions: 32, userPartitions: 256)

  let folder: URL
  private var servers: [NATSServer] = []
  private(set) var nodes: [DaemonUnderTest] = []

  /// Starts the servers, then the nodes, each node with `nodeArguments` besides its cluster
  /// flags; a node may take up to `startSeconds` to answer its first ping.
  init(
    natsServer: String, options: DaemonOptions, nodeArguments: [String], startSeconds: Double
  ) throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-cluster-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    do {
      let clientPorts = try Self.nodeNames.map { _ in try LoopbackPort.free() }
      let routePorts = try Self.nodeNames.map { _ in try LoopbackPort.free() }
      for index in Self.nodeNames.indices {
        servers.append(
          try NATSServer(
            executable: natsServer, name: "s\(index + 1)", port: clientPorts[index],
            routePort: routePorts[index], routePorts: routePorts, folder: folder))
      }
      let urls = servers.map(\.url).joined(separator: ",")
      for name in Self.nodeNames {
        let clusterArguments = [
          "--cluster-nats-urls", urls, "--cluster-node-name", name,
          "--cluster-stream-replicas", "3",
          "--cluster-channel-partitions", String(Self.partitions.channelPartitions),
          "--cluster-user-partitions", String(Self.partitions.userPartitions),
        ]
        // Info-level logs go to a file in the node's folder; warnings are passed on at stop.
        nodes.append(
          try options.startDaemon(
            extraArguments: clusterArguments + nodeArguments, capturingInfoLog: true,
            folder: folder.appendingPathComponent(name), startSeconds: startSeconds))
      }
    } catch {
      stop()
      throw error
    }
  }

  /// Every node's command endpoint, comma-separated: a client connected to them all spreads its
  /// requests over the nodes.
  var commandEndpoints: String { nodes.map(\.commandEndpoint).joined(separator: ",") }

  /// The command endpoints of every node but `node`.
  func commandEndpoints(except node: Int) -> String {
    nodes.indices.filter { $0 != node }.map { nodes[$0].commandEndpoint }
      .joined(separator: ",")
  }

  /// Waits until every node sees all three, every channel partition and every user partition is
  /// served by exactly one node, and two looks 100 ms apart agree; returns the views.
  func waitUntilSettled(context: ZMQContext, deadline: Deadline) throws -> [ClusterNodeView] {
    var previous: [ClusterNodeView?] = []
    var views: [ClusterNodeView?] = []
    while true {
      views = nodes.map { ClusterNodeView(pinging: $0.commandEndpoint, context: context) }
      if Self.isSettled(views), views == previous { return views.compactMap { $0 } }
      previous = views
      for (node, name) in zip(nodes, Self.nodeNames) {
        if let exit = node.exitDescription { throw BenchmarkError("node \(name) \(exit)") }
      }
      if deadline.hasPassed {
        let seen = zip(Self.nodeNames, views).map { name, view in
          view.map {
            "\(name) sees \($0.nodes), serves \($0.channelPartitions.count) channel and "
              + "\($0.userPartitions.count) user partitions"
          } ?? "\(name) does not answer ping"
        }
        throw BenchmarkError(
          "the cluster did not settle within \(Int(deadline.seconds)) s: "
            + seen.joined(separator: "; "))
      }
      usleep(100_000)
    }
  }

  private static func isSettled(_ views: [ClusterNodeView?]) -> Bool {
    let present = views.compactMap { $0 }
    guard present.count == nodeNames.count,
      present.allSatisfy({ $0.nodes == nodeNames })
    else { return false }
    return present.flatMap(\.channelPartitions).sorted()
      == Array(0..<partitions.channelPartitions)
      && present.flatMap(\.userPartitions).sorted() == Array(0..<partitions.userPartitions)
  }

  /// The node, by index, that serves the partition of `channel` in settled `views`.
  func owner(ofChannel channel: String, in views: [ClusterNodeView]) throws -> Int {
    let partition = Self.partitions.partition(ofChannel: ByteString(channel))
    guard let view = views.first(where: { $0.channelPartitions.contains(partition) }),
      let owner = Self.nodeNames.firstIndex(of: view.nodeName)
    else { throw BenchmarkError("no node serves channel partition \(partition) of \(channel)") }
    return owner
  }

  /// Ends the nodes (SIGTERM, SIGKILL after 10 s), then the NATS servers, and removes the folder.
  func stop() {
    for node in nodes { node.stop() }
    for server in servers { server.stop() }
    try? FileManager.default.removeItem(at: folder)
  }

  deinit {
    stop()
  }
}
