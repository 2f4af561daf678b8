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

/// Faults a cluster must survive, on three nats-server and three channelcastd processes: each
/// test checks every acknowledged message against the channel's history, its subscriber count
/// and every subscriber's deliveries (`ClusterModel`). `make test-cluster-faults` runs them.
@Suite(.serialized, .enabled(if: clusterFaultTestsEnabled))
struct ClusterFaultTests {
  static let channel = "@TOA#_fault"

  /// A settled cluster with the channel and its subscribers, a consumer of every node's
  /// deliveries, and message 1 delivered to everyone.
  private static func prepare(subscribers count: Int) async throws -> (
    ClusterProcesses, ClusterModel, DeliveryConsumer
  ) {
    let cluster = try ClusterProcesses()
    do {
      for node in cluster.nodes { try await node.waitUntilServing(seconds: 60) }
      try await cluster.waitUntilSettled()
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
      let consumer = try DeliveryConsumer(
        endpoint: cluster.deliveryEndpoints, context: .endToEndTests, receiveHighWaterMark: 0)
      let model = ClusterModel(channel: channel, subscribers: users)
      // Until message 1 reaches everyone, the consumer may not be connected to every node yet.
      try await Task.sleep(for: .milliseconds(500))
      try await model.send(1, through: cluster.commandEndpoints)
      try model.checkDeliveries(consumer, seconds: 30)
      return (cluster, model, consumer)
    } catch {
      cluster.stop()
      throw error
    }
  }

  /// The node serving the channel's partition.
  private static func channelOwner(_ cluster: ClusterProcesses) throws -> Int {
    let partitions = ClusterPartitions(
      channelPartitions: ClusterProcesses.channelPartitions,
      userPartitions: ClusterProcesses.userPartitions)
    return try #require(
      cluster.owner(ofChannelPartition: partitions.partition(ofChannel: ByteString(channel))))
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
    try model.checkDeliveries(consumer)
    #expect(takeover < .seconds(10), "the channel answered again after \(takeover)")
    // The killed node comes back, catches up from the log and gets partitions again.
    try cluster.nodes[owner].restart()
    try await cluster.nodes[owner].waitUntilServing(seconds: 60)
    try await cluster.waitUntilSettled()
    try await model.send(7, through: cluster.commandEndpoints)
    try model.checkChannel(through: cluster.commandEndpoints)
    try model.checkDeliveries(consumer)
  }
}
