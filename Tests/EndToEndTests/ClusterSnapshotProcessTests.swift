import ChannelCastClient
import ChannelCastCore
import Foundation
import NATS
import Testing

/// Snapshots in a cluster of three `channelcastd` processes: the log is trimmed behind them,
/// and a node killed and started again loads the latest one, reads the log after it, answers
/// as the others do and delivers. With the fault tests (`make test-cluster-faults`): three
/// nodes with heartbeats of 200 ms want the machine to themselves.
@Suite(.enabled(if: clusterFaultTestsEnabled))
struct ClusterSnapshotProcessTests {
  @Test func aNodeStartedAfterTheLogWasTrimmedStartsFromTheSnapshot() async throws {
    let cluster = try ClusterProcesses(snapshotEntries: 100)
    defer { cluster.stop() }
    for node in cluster.nodes { try await node.waitUntilServing(seconds: 60) }
    try await cluster.waitUntilSettled()
    let channel = "@TOA#_snapshots"
    let users = (0..<600).map { "user-\($0)" }
    let client = try cluster.client()
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": channel, "ownerUserID": "owner", "officialAccountName": "Snapshots"])
    for start in stride(from: 0, to: users.count, by: 100) {
      _ = try client.resultOf(
        "subscribeOfficialAccount",
        ["officialAccountID": channel, "userIDList": Array(users[start..<start + 100])])
      _ = try client.resultOf(
        "sendMessage",
        ["officialAccountID": channel, "payload": ["n": start], "clientMsgID": "m\(start)"])
    }
    // The writer trims the log up to the snapshot before its latest.
    let connection = try NATSConnection(
      urls: cluster.servers.map(\.url), name: "snapshot-test", timeoutMilliseconds: 5000)
    let deadline = ContinuousClock.now + .seconds(30)
    while try connection.streamState("CHANNELCAST_LOG").firstSequence == 1,
      ContinuousClock.now < deadline
    {
      try await Task.sleep(for: .milliseconds(100))
    }
    let trimmedBefore = try connection.streamState("CHANNELCAST_LOG").firstSequence
    #expect(trimmedBefore > 1, "the log was not trimmed")

    let restarted = 1
    try await cluster.nodes[restarted].kill9()
    try cluster.nodes[restarted].restart()
    try await cluster.nodes[restarted].waitUntilServing(seconds: 60)
    try await cluster.waitUntilSettled()
    let log = cluster.nodes[restarted].process.standardError
    #expect(log.contains("loaded the cluster's snapshot"), "\(log)")
    #expect(log.contains("from=JetStream"), "\(log)")
    // Started once more while the cluster's latest snapshot is the same, it loads the copy
    // the first start kept in its data directory.
    try await cluster.nodes[restarted].kill9()
    try cluster.nodes[restarted].restart()
    try await cluster.nodes[restarted].waitUntilServing(seconds: 60)
    let again = cluster.nodes[restarted].process.standardError
    if Self.loadedSequence(again) == Self.loadedSequence(log) {
      #expect(again.contains("from=dataDirectory"), "\(again)")
    }
    try await cluster.waitUntilSettled()

    // It answers every read as a node that never stopped.
    let reads: [(String, [String: Any])] = [
      ("getOfficialAccountsInfo", ["officialAccountIDList": [channel]]),
      ("getSubscribers", ["officialAccountID": channel, "limit": 1000]),
      ("getHistory", ["officialAccountID": channel, "afterSeq": 0, "limit": 100]),
      ("listOfficialAccounts", ["limit": 100]),
    ]
    let reference = try ChannelCastClient(
      endpoint: cluster.nodes[0].commandEndpoint, context: .endToEndTests,
      timeoutMilliseconds: 10_000)
    let started = try ChannelCastClient(
      endpoint: cluster.nodes[restarted].commandEndpoint, context: .endToEndTests,
      timeoutMilliseconds: 10_000)
    for (op, fields) in reads {
      let expected = try reference.resultOf(op, fields) as NSDictionary
      let answered = try started.resultOf(op, fields) as NSDictionary
      #expect(answered == expected, "\(op)")
    }
    // A clientMsgID sent before the snapshot is still known: the same seq again.
    let first = try started.resultOf(
      "sendMessage", ["officialAccountID": channel, "payload": ["n": 0], "clientMsgID": "m0"])
    #expect(first["seq"] as? Int == 1)

    // It delivers to the users of its partitions: every subscriber gets a new message.
    let consumers = try cluster.nodes.map {
      try DeliveryConsumer(
        endpoint: $0.deliveryEndpoint, context: .endToEndTests, receiveHighWaterMark: 0)
    }
    try await Task.sleep(for: .milliseconds(500))
    let model = ClusterModel(channel: channel, subscribers: users)
    // (clientMsgID m1000: the ones above were m0 to m500)
    try await model.send(1000, through: cluster.nodes[restarted].commandEndpoint)
    #expect(try model.checkDeliveries(consumers, seconds: 30).isEmpty)
  }

  /// The log sequence of the snapshot a node's log says it loaded.
  private static func loadedSequence(_ log: String) -> Substring? {
    guard
      let line = log.split(separator: "\n").first(where: {
        $0.contains("loaded the cluster's snapshot")
      })
    else { return nil }
    return line.split(separator: " ").first { $0.hasPrefix("logSequence=") }
  }
}
