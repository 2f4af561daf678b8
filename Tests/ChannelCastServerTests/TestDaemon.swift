import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import ChannelCastServer
import Foundation
import Logging
import NATSTestSupport
import Testing
import ZeroMQ

/// A daemon started in-process on `ipc://` endpoints in its own temporary directory, with a
/// client context for the test's sockets. `stop()` shuts it down and removes the directory.
///
/// With `CHANNELCAST_TEST_CLUSTER=1` in the environment (`make test-cluster`), it is a cluster
/// instead: a nats-server of its own and three nodes (`daemon` is the first), whose clients
/// spread their requests over the three command sockets and whose consumers read the three
/// delivery sockets, so that the protocol's tests run unchanged against a cluster.
final class TestDaemon {
  let directory: URL
  /// The (first) node's configuration.
  let configuration: DaemonConfiguration
  /// The (first) node.
  let daemon: ChannelCastDaemon
  let context: ZMQContext
  /// Every node: `daemon` alone outside cluster mode.
  let nodes: [ChannelCastDaemon]
  /// The command and delivery endpoints of every node, comma-separated.
  let commandEndpoints: String
  let deliveryEndpoints: String
  /// Every node's gateway endpoint.
  let gatewayEndpoints: [String]
  private let natsServer: NATSServerProcess?

  static let clusterMode = ProcessInfo.processInfo.environment["CHANNELCAST_TEST_CLUSTER"] == "1"

  init(configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
    guard Self.clusterMode else {
      let (directory, configuration, daemon) = try Self.startNode(configure: configure)
      self.directory = directory
      self.configuration = configuration
      self.daemon = daemon
      nodes = [daemon]
      commandEndpoints = configuration.commandEndpoint
      deliveryEndpoints = configuration.deliveryEndpoint
      gatewayEndpoints = [configuration.gatewayEndpoint]
      natsServer = nil
      context = try ZMQContext()
      return
    }
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    var started: [(URL, DaemonConfiguration, ChannelCastDaemon)] = []
    do {
      for name in ["n1", "n2", "n3"] {
        started.append(
          try Self.startNode { configuration in
            configure(&configuration)
            configuration.cluster.natsURLs = [server.url]
            configuration.cluster.nodeName = name
            configuration.cluster.channelPartitions = 8
            configuration.cluster.userPartitions = 16
            configuration.cluster.streamReplicas = 1
            configuration.cluster.heartbeatMilliseconds = 100
            configuration.cluster.ownerTimeoutMilliseconds = 1000
          })
      }
    } catch {
      for (directory, _, daemon) in started {
        daemon.shutdown()
        try? FileManager.default.removeItem(at: directory)
      }
      server.stop()
      throw error
    }
    (directory, configuration, daemon) = started[0]
    nodes = started.map(\.2)
    commandEndpoints = started.map(\.1.commandEndpoint).joined(separator: ",")
    deliveryEndpoints = started.map(\.1.deliveryEndpoint).joined(separator: ",")
    gatewayEndpoints = started.map(\.1.gatewayEndpoint)
    natsServer = server
    context = try ZMQContext()
    directories = started.map(\.0)
    try waitUntilSettled()
  }

  /// The nodes' own directories (the first is `directory`).
  private var directories: [URL] = []

  /// Waits until every node sees the three and the partitions are spread over them: each
  /// partition has one owner, whichever node a request goes to.
  private func waitUntilSettled() throws {
    var previous: [String] = []
    for _ in 0..<300 {
      var clusters: [[String: Any]] = []
      for node in nodes.indices {
        let endpoint = commandEndpoints.split(separator: ",")[node]
        let client = try ChannelCastClient(
          endpoint: String(endpoint), context: context, timeoutMilliseconds: 5000)
        let ping = try JSON.object(try client.call(.ping).raw)
        clusters.append((ping["result"] as? [String: Any])?["cluster"] as? [String: Any] ?? [:])
      }
      let counts = clusters.map {
        (
          ($0["channelPartitions"] as? [Int])?.count ?? 0,
          ($0["userPartitions"] as? [Int])?.count ?? 0
        )
      }
      let settled =
        clusters.allSatisfy { ($0["nodes"] as? [String])?.count == 3 }
        && counts.map(\.0).reduce(0, +) == 8 && counts.map(\.1).reduce(0, +) == 16
        && counts.allSatisfy { $0.0 > 0 && $0.1 > 0 }
      let signature = clusters.map {
        "\($0["nodes"] ?? "") \($0["channelPartitions"] ?? "") \($0["userPartitions"] ?? "")"
      }
      if settled, signature == previous { return }
      previous = settled ? signature : []
      usleep(100_000)
    }
    throw ClientError.timedOut(milliseconds: 30_000)
  }

  private static func startNode(configure: (inout DaemonConfiguration) -> Void) throws -> (
    URL, DaemonConfiguration, ChannelCastDaemon
  ) {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-test-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var configuration = DaemonConfiguration()
    configuration.commandEndpoint = "ipc://\(directory.path)/command"
    configuration.deliveryEndpoint = "ipc://\(directory.path)/delivery"
    configuration.gatewayEndpoint = "ipc://\(directory.path)/gateway"
    configuration.dataDirectory = directory.appendingPathComponent("data").path
    configuration.fsync = .never
    configuration.metricsAddress = "127.0.0.1:0"
    configuration.shards = 4
    configuration.shutdownTimeoutSeconds = 60
    configure(&configuration)
    var logger = Logger(label: "test-daemon")
    logger.logLevel =
      ProcessInfo.processInfo.environment["CHANNELCAST_TEST_LOG"] == "info" ? .info : .warning
    do {
      return (
        directory, configuration,
        try ChannelCastDaemon(configuration: configuration, logger: logger)
      )
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
  }

  func stop() {
    for node in nodes { node.shutdown() }
    try? FileManager.default.removeItem(at: directory)
    for other in directories.dropFirst() { try? FileManager.default.removeItem(at: other) }
    natsServer?.stop()
  }

  /// A client of every node's command socket (in cluster mode its requests go to each in turn).
  func client(timeoutMilliseconds: Int = 10_000) throws -> ChannelCastClient {
    try ChannelCastClient(
      endpoint: commandEndpoints, context: context, timeoutMilliseconds: timeoutMilliseconds)
  }

  /// `stats` of each node (of the daemon alone outside cluster mode).
  func statsOfEachNode() throws -> [[String: Any]] {
    try commandEndpoints.split(separator: ",").map {
      try ChannelCastClient(endpoint: String($0), context: context).expectOK(.stats)
    }
  }

  /// A consumer subscribed to `users` (or everyone), returned only once its subscriptions are
  /// active in the daemon, so that no delivery sent afterwards can be missed.
  func consumer(users: [String]? = nil, receiveHighWaterMark: Int32? = nil) throws
    -> DeliveryConsumer
  {
    let probeUser = "probe-\(UUID().uuidString)"
    let consumer = try DeliveryConsumer(
      endpoint: deliveryEndpoints, context: context,
      users: users.map { $0 + [probeUser] }, receiveHighWaterMark: receiveHighWaterMark)
    let client = try client()
    let probeChannel = "@TOA#_probe-\(UUID().uuidString.prefix(12))"
    try client.expectOK(.createOfficialAccount) {
      $0.add("officialAccountID", probeChannel)
      $0.add("ownerUserID", "probe-owner")
      $0.add("officialAccountName", "probe")
    }
    // Subscriptions travel to the XPUB socket asynchronously: subscribe the probe user until
    // its event arrives, which proves every earlier subscription of this consumer is active.
    for _ in 0..<100 {
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", probeChannel)
        $0.add("userID", probeUser)
      }
      while let delivery = try consumer.receive(timeoutMilliseconds: 50) {
        if delivery.userID == Array(probeUser.utf8) {
          try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", probeChannel) }
          try drainEarlierDeliveries(consumer, client: client)
          return consumer
        }
      }
      try client.expectOK(.unsubscribeOfficialAccount) {
        $0.add("officialAccountID", probeChannel)
        $0.add("userID", probeUser)
      }
    }
    throw ClientError.timedOut(milliseconds: 5000)
  }

  /// Discards what was submitted before the consumer was ready: the probe's events, and events
  /// of other channels (which the shards may deliver after the probe's), so that a test sees
  /// only what it causes afterwards.
  private func drainEarlierDeliveries(_ consumer: DeliveryConsumer, client: ChannelCastClient)
    throws
  {
    for _ in 0..<500 {
      let stats = try client.expectOK(.stats)
      if (stats["shardQueueDepths"] as? [Int] ?? []).allSatisfy({ $0 == 0 }) { break }
      usleep(10_000)
    }
    while try consumer.receive(timeoutMilliseconds: 100) != nil {}
  }
}

/// Runs `body` with a started daemon and always stops it.
@discardableResult
func withDaemon<T>(_ body: (TestDaemon) throws -> T) throws -> T {
  let daemon = try TestDaemon()
  defer { daemon.stop() }
  return try body(daemon)
}

/// Runs `body` with a daemon whose configuration has one setting changed.
@discardableResult
func withDaemon<Value, T>(
  setting key: WritableKeyPath<DaemonConfiguration, Value>, to value: Value,
  _ body: (TestDaemon) throws -> T
) throws -> T {
  let daemon = try TestDaemon { $0[keyPath: key] = value }
  defer { daemon.stop() }
  return try body(daemon)
}

extension ChannelCastClient {
  /// Calls `op` and returns the result as Foundation objects, recording an issue when the reply
  /// is not ok.
  @discardableResult
  func expectOK(
    _ op: RequestOp, sourceLocation: SourceLocation = #_sourceLocation,
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) throws -> [String: Any] {
    let reply = try call(op, fill)
    #expect(
      reply.ok, "\(op) failed: \(String(decoding: reply.raw, as: UTF8.self))",
      sourceLocation: sourceLocation)
    return try JSON.object(reply.raw)["result"] as? [String: Any] ?? [:]
  }

  /// Calls `op` and returns the whole error object, recording an issue unless it failed with
  /// `code`.
  @discardableResult
  func expectError(
    _ code: ErrorCode, _ op: RequestOp, sourceLocation: SourceLocation = #_sourceLocation,
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) throws -> [String: Any] {
    let reply = try call(op, fill)
    #expect(
      reply.errorCode == code,
      "\(op): expected \(code), got \(String(decoding: reply.raw, as: UTF8.self))",
      sourceLocation: sourceLocation)
    return try JSON.object(reply.raw)["error"] as? [String: Any] ?? [:]
  }

  /// Creates a channel owned by `owner` and returns its info.
  @discardableResult
  func createChannel(_ id: String, owner: String = "owner", maxSubscriberCount: Int? = nil) throws
    -> [String: Any]
  {
    try expectOK(.createOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("ownerUserID", owner)
      $0.add("officialAccountName", "Channel \(id)")
      if let maxSubscriberCount { $0.add("maxSubscriberCount", maxSubscriberCount) }
    }
  }

  /// Subscribes `users` to `id`, a thousand per request.
  func subscribe(_ users: [String], to id: String) throws {
    for start in stride(from: 0, to: users.count, by: 1000) {
      let reply = try expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", id)
        var list = JSONArrayWriter()
        for user in users[start..<min(start + 1000, users.count)] { list.append(user) }
        $0.add("userIDList", array: list)
      }
      let codes = (reply["results"] as? [[String: Any]] ?? []).map { $0["resultCode"] as? String }
      #expect(codes.allSatisfy { $0 == "ok" }, "subscribing to \(id) failed")
    }
  }

  func subscribe(_ user: String, to id: String) throws {
    try expectOK(.subscribeOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("userID", user)
    }
  }

  @discardableResult
  func broadcast(_ id: String, payload: String) throws -> [String: Any] {
    try expectOK(.sendMessage) {
      $0.add("officialAccountID", id)
      $0.add("payload", rawJSON: Array(payload.utf8))
    }
  }
}

extension DeliveryConsumer {
  /// Receives `count` deliveries as (userID, envelope object), failing after `timeout` ms of
  /// silence.
  func receive(_ count: Int, silenceMilliseconds: Int = 5000) throws -> [(String, [String: Any])] {
    var received: [(String, [String: Any])] = []
    while received.count < count {
      guard let delivery = try receive(timeoutMilliseconds: silenceMilliseconds) else {
        Issue.record("received \(received.count) of \(count) deliveries")
        break
      }
      received.append(
        (String(decoding: delivery.userID, as: UTF8.self), try JSON.object(delivery.envelope)))
    }
    return received
  }

  /// Records an issue if any delivery arrives within `milliseconds`.
  func expectSilence(milliseconds: Int = 300, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    if let delivery = try receive(timeoutMilliseconds: milliseconds) {
      Issue.record(
        "unexpected delivery: \(String(decoding: delivery.envelope, as: UTF8.self))",
        sourceLocation: sourceLocation)
    }
  }
}

enum JSON {
  static func object(_ bytes: [UInt8]) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
      as? [String: Any] ?? [:]
  }
}
