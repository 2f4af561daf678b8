import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS
import Testing

/// The fault tests run only when asked (`CHANNELCAST_CLUSTER_FAULTS=1`): they take minutes and
/// want the machine to themselves.
let clusterFaultTestsEnabled =
  ProcessInfo.processInfo.environment["CHANNELCAST_CLUSTER_FAULTS"] == "1"

/// Faults a cluster must survive, on three nats-server and three channelcastd processes (one of
/// them in a network namespace for the network cut, as root): each
/// test checks every acknowledged message against the channel's history, its subscriber count
/// and every subscriber's deliveries (`ClusterModel`). `make test-cluster-faults` runs them.
@Suite(.serialized, .enabled(if: clusterFaultTestsEnabled))
struct ClusterFaultTests {
  static let channel = "@TOA#_fault"

  /// A settled cluster with the channel and its subscribers, a consumer of every node's
  /// deliveries, and message 1 delivered to everyone.
  private static func prepare(
    subscribers count: Int, namespace: NetworkNamespace? = nil, channelOwnedBy owner: Int? = nil
  ) async throws -> (ClusterProcesses, ClusterModel, [DeliveryConsumer]) {
    let cluster = try ClusterProcesses(namespace: namespace)
    do {
      for node in cluster.nodes { try await node.waitUntilServing(seconds: 60) }
      try await cluster.waitUntilSettled()
      let channel = try owner.map { try Self.channel(servedBy: $0, in: cluster) } ?? Self.channel
      let users = (0..<count).map { "user-\($0)" }
      let client = try cluster.client()
      _ = try client.resultOf(
        "createOfficialAccount",
        ["officialAccountID": channel, "ownerUserID": "owner", "officialAccountName": "Faults"])
      for start in stride(from: 0, to: count, by: FieldLimits.userIDsPerBatch) {
        let batch = Array(users[start..<min(count, start + FieldLimits.userIDsPerBatch)])
        _ = try client.resultOf(
          "subscribeOfficialAccount", ["officialAccountID": channel, "userIDList": batch])
      }
      let consumer = try cluster.nodes.map {
        try DeliveryConsumer(
          endpoint: $0.deliveryEndpoint, context: .endToEndTests, receiveHighWaterMark: 0)
      }
      let model = ClusterModel(channel: channel, subscribers: users)
      // Until message 1 reaches everyone, the consumer may not be connected to every node yet.
      try await Task.sleep(for: .milliseconds(500))
      try await model.send(1, through: cluster.commandEndpoints)
      try Self.checkDeliveries(model, consumer, cluster, seconds: 30)
      return (cluster, model, consumer)
    } catch {
      cluster.stop()
      throw error
    }
  }

  static let partitions = ClusterPartitions(
    channelPartitions: ClusterProcesses.channelPartitions,
    userPartitions: ClusterProcesses.userPartitions)

  /// `ClusterModel.checkDeliveries`, and when subscribers miss messages, what each node says
  /// (its partitions, its log) and which user partitions the missing ones are in.
  private static func checkDeliveries(
    _ model: ClusterModel, _ consumer: [DeliveryConsumer], _ cluster: ClusterProcesses,
    seconds: Double = 60
  ) throws {
    let missing = try model.checkDeliveries(consumer, seconds: seconds)
    guard !missing.isEmpty else { return }
    let byPartition = Dictionary(grouping: missing) {
      partitions.partition(ofUser: ByteString($0))
    }.mapValues(\.count)
    var report = "missing subscribers by user partition: \(byPartition)\n"
    for (index, node) in cluster.nodes.enumerated() {
      report +=
        "node \(index) cluster: \(cluster.cluster(of: index).map { "\($0)" } ?? "no answer")\n"
      let log = node.process.standardError.split(separator: "\n").suffix(60)
      report += "node \(index) log:\n" + log.joined(separator: "\n") + "\n"
    }
    Issue.record(Comment(rawValue: report))
  }

  /// The node serving the channel's partition.
  private static func channelOwner(_ cluster: ClusterProcesses, of id: String = channel) throws
    -> Int
  {
    try #require(cluster.owner(ofChannelPartition: partitions.partition(ofChannel: ByteString(id))))
  }

  /// A channel ID in a partition that node `index` serves.
  private static func channel(servedBy index: Int, in cluster: ClusterProcesses) throws -> String {
    let served = Set((cluster.cluster(of: index)?["channelPartitions"] as? [Int]) ?? [])
    return try #require(
      (0..<10_000).lazy.map { "@TOA#_fault-\($0)" }.first {
        served.contains(partitions.partition(ofChannel: ByteString($0)))
      })
  }

  @Test func killingTheChannelsOwnerDuringABroadcastLosesNothingAcknowledged() async throws {
    let (cluster, model, consumer) = try await Self.prepare(subscribers: 10_000)
    defer { cluster.stop() }
    let owner = try Self.channelOwner(cluster)
    let survivors = cluster.nodes.indices.filter { $0 != owner }
    let through = survivors.map { cluster.nodes[$0].commandEndpoint }.joined(separator: ",")
    // Message 2 fans out to 10,000 subscribers on every node when its owner dies.
    try await model.send(2, through: cluster.nodes[owner].commandEndpoint)
    try await cluster.nodes[owner].kill9()
    let killed = ContinuousClock.now
    try await model.send(3, through: through)
    let takeover = ContinuousClock.now - killed
    for number in 4...6 { try await model.send(number, through: through) }
    try model.checkChannel(through: through)
    try Self.checkDeliveries(model, consumer, cluster)
    #expect(takeover < .seconds(10), "the channel answered again after \(takeover)")
    // The killed node comes back, catches up from the log and gets partitions again.
    try cluster.nodes[owner].restart()
    try await cluster.nodes[owner].waitUntilServing(seconds: 60)
    try await cluster.waitUntilSettled()
    try await model.send(7, through: cluster.commandEndpoints)
    try model.checkChannel(through: cluster.commandEndpoints)
    try Self.checkDeliveries(model, consumer, cluster)
  }
}

extension ClusterFaultTests {
  /// The nats-server leading the log's stream now, by index.
  private static func streamLeader(_ cluster: ClusterProcesses) throws -> Int {
    let connection = try NATSConnection(
      urls: cluster.servers.map(\.url), name: "fault-test", timeoutMilliseconds: 5000)
    let leader = try #require(try connection.streamState("CHANNELCAST_LOG").leader)
    return try #require(cluster.servers.firstIndex { $0.name == leader })
  }

  @Test func killingTheStreamLeaderLosesNothingAcknowledged() async throws {
    let (cluster, model, consumer) = try await Self.prepare(subscribers: 2000)
    defer { cluster.stop() }
    let leader = try Self.streamLeader(cluster)
    cluster.servers[leader].kill()
    // Publishes fail until the two others elect a leader (4 to 9 s); every node retries.
    for number in 2...5 { try await model.send(number, through: cluster.commandEndpoints) }
    try cluster.restartServer(leader)
    try await model.send(6, through: cluster.commandEndpoints)
    try model.checkChannel(through: cluster.commandEndpoints)
    try Self.checkDeliveries(model, consumer, cluster)
  }

  @Test func twoServersDownThenBackLosesNothingAcknowledged() async throws {
    let (cluster, model, consumer) = try await Self.prepare(subscribers: 2000)
    defer { cluster.stop() }
    let leader = try Self.streamLeader(cluster)
    let down = [leader, (leader + 1) % 3]
    for index in down { cluster.servers[index].kill() }
    // No majority: nothing can be acknowledged. A message sent now waits for the servers.
    let waiting = try ChannelCastClient(
      endpoint: cluster.commandEndpoints, context: .endToEndTests, timeoutMilliseconds: 60_000)
    try waiting.sendJSON(
      "sendMessage", ["officialAccountID": model.channel, "payload": ["n": 2], "clientMsgID": "m2"])
    try await Task.sleep(for: .seconds(5))
    for index in down { try cluster.restartServer(index) }
    let reply = try waiting.receiveJSON()
    if reply.ok, let seq = reply.result["seq"] as? Int {
      model.record(seq: seq, msgKey: reply.result["msgKey"] as? String ?? "")
    }
    // Sent again with its clientMsgID (the same seq if it was acknowledged), then more.
    for number in 2...5 { try await model.send(number, through: cluster.commandEndpoints) }
    try model.checkChannel(through: cluster.commandEndpoints)
    try Self.checkDeliveries(model, consumer, cluster)
    for node in cluster.nodes { #expect(node.process.isRunning, "\(node.process.standardError)") }
  }

  @Test func aNodePausedPastTheOwnerTimeoutDoesNotDecideAsOwnerAfterItsReplacement() async throws {
    let (cluster, model, consumer) = try await Self.prepare(subscribers: 2000)
    defer { cluster.stop() }
    let owner = try Self.channelOwner(cluster)
    let others = cluster.nodes.indices.filter { $0 != owner }
      .map { cluster.nodes[$0].commandEndpoint }.joined(separator: ",")
    cluster.nodes[owner].process.send(SIGSTOP)
    // A request waiting in the paused node's socket, decided (or not) when it wakes up.
    let queued = try ChannelCastClient(
      endpoint: cluster.nodes[owner].commandEndpoint, context: .endToEndTests,
      timeoutMilliseconds: 60_000)
    try queued.sendJSON(
      "sendMessage", ["officialAccountID": model.channel, "payload": ["n": 0], "clientMsgID": "q"])
    for number in 2...4 { try await model.send(number, through: others) }
    try await Task.sleep(for: .seconds(30))
    cluster.nodes[owner].process.send(SIGCONT)
    // Its reply: unavailable (it may no longer decide), or ok from the new owner.
    let reply: JSONReply
    do {
      reply = try queued.receiveJSON()
    } catch {
      let log = cluster.nodes[owner].process.standardError.split(separator: "\n").suffix(40)
      Issue.record("the paused node's log:\n\(log.joined(separator: "\n"))")
      throw error
    }
    if reply.ok, let seq = reply.result["seq"] as? Int {
      model.record(seq: seq, msgKey: reply.result["msgKey"] as? String ?? "")
    } else {
      #expect(reply.errorCode == "unavailable", "\(reply)")
    }
    try await cluster.waitUntilSettled()
    for number in 5...8 { try await model.send(number, through: cluster.commandEndpoints) }
    try model.checkChannel(through: cluster.commandEndpoints)
    try Self.checkDeliveries(model, consumer, cluster)
    #expect(cluster.nodes[owner].process.isRunning, "\(cluster.nodes[owner].process.standardError)")
  }
}

extension ClusterFaultTests {
  /// Where the machine allows a network namespace (root, `ip`).
  @Test(.enabled(if: NetworkNamespace.available))
  func aNodeCutOffTheNetworkIsReplacedAndRejoinsWhenHealed() async throws {
    let namespace = try NetworkNamespace(subnet: 77)
    defer { namespace.remove() }
    let cutOff = ClusterProcesses.names.count - 1
    let (cluster, model, consumer) = try await Self.prepare(
      subscribers: 2000, namespace: namespace, channelOwnedBy: cutOff)
    defer { cluster.stop() }
    let others = cluster.nodes.indices.filter { $0 != cutOff }
      .map { cluster.nodes[$0].commandEndpoint }.joined(separator: ",")
    try namespace.cut()
    // The others take its partitions over once its heartbeats stop; it decides nothing
    // meanwhile, its own heartbeats failing.
    for number in 2...4 { try await model.send(number, through: others) }
    try await Task.sleep(for: .seconds(5))
    try namespace.heal()
    try await cluster.waitUntilSettled()
    for number in 5...8 { try await model.send(number, through: cluster.commandEndpoints) }
    try model.checkChannel(through: cluster.commandEndpoints)
    try Self.checkDeliveries(model, consumer, cluster)
    #expect(
      cluster.nodes[cutOff].process.isRunning, "\(cluster.nodes[cutOff].process.standardError)")
  }
}
