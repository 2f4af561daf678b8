import ChannelCastClient
import Foundation
import NATS
import NATSTestSupport
import Testing

/// A cluster as operators run it, on loopback: three nats-server processes routed into one
/// JetStream cluster, and three built `channelcastd` processes (`n1`, `n2`, `n3`) in cluster
/// mode with replicated (R3) streams, each with its own endpoints and data directory in one
/// temporary folder. `stop()` kills them all and removes the folder.
final class ClusterProcesses {
  static let names = ["n1", "n2", "n3"]
  let directory: URL
  private(set) var servers: [NATSServerProcess] = []
  private(set) var nodes: [DaemonProcess] = []
  let clientPorts: [Int]
  private let clusterPorts: [Int]
  /// Where the NATS servers listen for clients.
  private let serverHost: String
  /// Heartbeats and the owner timeout, short so that takeovers are quick in tests.
  static let heartbeatMilliseconds = 200
  static let ownerTimeoutMilliseconds = 1500
  static let channelPartitions = 8
  static let userPartitions = 32

  /// With `namespace`, the last node runs in that network namespace, reaching the NATS servers
  /// (which then listen on every interface) through its veth pair.
  ///
  /// With `snapshotEntries`, the nodes snapshot the log every that many entries (the default
  /// otherwise: 100,000, more than any test appends).
  init(namespace: NetworkNamespace? = nil, snapshotEntries: Int? = nil) throws {
    directory = try TemporaryDirectory.create()
    clientPorts = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    clusterPorts = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    serverHost = namespace == nil ? "127.0.0.1" : "0.0.0.0"
    do {
      for index in 0..<3 { servers.append(try startServer(index)) }
      for (index, name) in Self.names.enumerated() {
        let inNamespace = namespace != nil && index == Self.names.count - 1
        let host = inNamespace ? namespace!.hostAddress : "127.0.0.1"
        let urls = clientPorts.map { "nats://\(host):\($0)" }.joined(separator: ",")
        nodes.append(
          try DaemonProcess(
            in: directory, name: name, dataDirectory: directory.appendingPathComponent(name),
            arguments: [
              "--cluster-nats-urls", urls, "--cluster-node-name", name,
              "--cluster-channel-partitions", "\(Self.channelPartitions)",
              "--cluster-user-partitions", "\(Self.userPartitions)",
              "--cluster-stream-replicas", "3",
              "--cluster-heartbeat-milliseconds", "\(Self.heartbeatMilliseconds)",
              "--cluster-owner-timeout-milliseconds", "\(Self.ownerTimeoutMilliseconds)",
              "--cluster-request-timeout-milliseconds", "5000",
              "--delivery-high-water-mark", "0",
            ] + (snapshotEntries.map { ["--cluster-snapshot-entries", "\($0)"] } ?? []),
            networkNamespace: inNamespace ? namespace!.name : nil))
      }
    } catch {
      stop()
      throw error
    }
  }

  /// Starts nats-server `index` (again, after it was killed: on its store, in `folder`).
  private func startServer(_ index: Int, folder: URL? = nil) throws -> NATSServerProcess {
    try NATSServerProcess(
      name: "s\(index + 1)", port: clientPorts[index], clusterPort: clusterPorts[index],
      routes: clusterPorts, folder: folder, host: serverHost)
  }

  /// Starts a killed nats-server again on its store.
  func restartServer(_ index: Int) throws {
    servers[index] = try startServer(index, folder: servers[index].folder)
  }

  var commandEndpoints: String { nodes.map(\.commandEndpoint).joined(separator: ",") }
  var deliveryEndpoints: String { nodes.map(\.deliveryEndpoint).joined(separator: ",") }

  /// A client whose requests go to each node in turn.
  func client(timeoutMilliseconds: Int = 15_000) throws -> ChannelCastClient {
    try ChannelCastClient(
      endpoint: commandEndpoints, context: .endToEndTests,
      timeoutMilliseconds: timeoutMilliseconds)
  }

  /// `ping`'s `cluster` object of one node; nil when it does not answer in time.
  func cluster(of node: Int) -> [String: Any]? {
    guard
      let reply = try? ChannelCastClient(
        endpoint: nodes[node].commandEndpoint, context: .endToEndTests, timeoutMilliseconds: 1000
      ).callJSON("ping"), reply.ok
    else { return nil }
    return reply.result["cluster"] as? [String: Any]
  }

  /// Waits until the running nodes in `running` all see each other and share every partition,
  /// each partition served once, for two looks in a row; returns the seconds it took.
  @discardableResult
  func waitUntilSettled(running: [Int] = [0, 1, 2], seconds: Double = 60) async throws -> Double {
    let started = ContinuousClock.now
    var previous: [String] = []
    while ContinuousClock.now - started < .seconds(seconds) {
      let clusters = running.map { cluster(of: $0) }
      let names = Set(running.map { Self.names[$0] })
      let channels = clusters.flatMap { ($0?["channelPartitions"] as? [Int]) ?? [] }
      let users = clusters.flatMap { ($0?["userPartitions"] as? [Int]) ?? [] }
      let settled =
        clusters.allSatisfy { Set(($0?["nodes"] as? [String]) ?? []) == names }
        && channels.sorted() == Array(0..<Self.channelPartitions)
        && users.sorted() == Array(0..<Self.userPartitions)
      let signature = clusters.map {
        "\($0?["channelPartitions"] ?? "") \($0?["userPartitions"] ?? "")"
      }
      if settled, signature == previous {
        return Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
      }
      previous = settled ? signature : []
      try await Task.sleep(for: .milliseconds(100))
    }
    throw UnexpectedReply(description: "the cluster did not settle within \(seconds) s")
  }

  /// The node serving a channel partition now, by index.
  func owner(ofChannelPartition partition: Int) -> Int? {
    (0..<nodes.count).first {
      ((cluster(of: $0)?["channelPartitions"] as? [Int]) ?? []).contains(partition)
    }
  }

  func stop() {
    for node in nodes { node.stop() }
    for server in servers { server.stop() }
    try? FileManager.default.removeItem(at: directory)
  }
}
