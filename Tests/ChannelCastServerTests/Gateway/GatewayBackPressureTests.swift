import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing
import ZeroMQ

@testable import ChannelCastServer

/// A gateway that stops reading, under `block` and under `drop`, next to one that reads; and
/// one that stops answering heartbeats.
@Suite struct GatewayBackPressureTests {
  static let channel = "@TOA#_bp"

  /// A gateway on a bare DEALER whose receive queue holds few messages, so that when the test
  /// stops reading, the daemon soon finds it full.
  final class StallableGateway {
    let socket: Socket

    init(daemon: TestDaemon, gatewayID: String, users: [String]) throws {
      socket = try Socket(context: daemon.context, type: .dealer)
      try socket.setOption(.linger, 0)
      try socket.setOption(.receiveHighWaterMark, 4)
      try socket.setOption(.receiveBufferSize, 4096)
      try socket.setOption(.receiveTimeout, 10_000)
      try socket.connect(daemon.configuration.gatewayEndpoint)
      _ = try call(#"{"op":"hello","id":0,"gatewayID":"\#(gatewayID)","protocolVersion":1}"#)
      let list = users.map { "\"\($0)\"" }.joined(separator: ",")
      _ = try call(#"{"op":"attach","id":1,"userIDList":[\#(list)]}"#)
    }

    deinit {
      socket.close()
    }

    private func call(_ request: String) throws -> [UInt8] {
      try socket.send([], more: true)
      try socket.send(Array(request.utf8))
      while true {
        let frames = try #require(try socket.receiveMultipart())
        if frames.count == 2 { return frames[1] }
      }
    }

    /// Batches (envelope fields, users) until none came for `quietMilliseconds`.
    func readAll(quietMilliseconds: Int32 = 1500) throws -> [([String: Any], [String])] {
      try socket.setOption(.receiveTimeout, quietMilliseconds)
      var batches: [([String: Any], [String])] = []
      while let frames = try? socket.receiveMultipart() {
        guard frames.count == 3 else { continue }
        let fields = try JSONSerialization.jsonObject(with: Data(frames[1])) as? [String: Any]
        let users = GatewayRecipients.userIDs(in: frames[2])?.map(\.description) ?? []
        batches.append((fields ?? [:], users))
      }
      return batches
    }
  }

  @Test func underDropAStalledGatewayGetsGapNoticesForWhatItMissedAndAHealthyOneEverything()
    async throws
  {
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .drop
      $0.slowConsumerGraceMilliseconds = 200
      $0.gatewayHighWaterMark = 2
      $0.gatewayBatchMaxUsers = 1
      // A stalled gateway's libzmq reads nothing, heartbeats included: the daemon would end
      // its session after three intervals, which a slow run (ThreadSanitizer) can outlast.
      $0.gatewayHeartbeatSeconds = 0
    }
    defer { daemon.stop() }
    let stalledUsers = (0..<50).map { "stalled-\($0)" }
    let healthyUsers = (0..<50).map { "healthy-\($0)" }
    try daemon.channel(
      Self.channel, subscribers: (stalledUsers + healthyUsers).map { ($0, "acceptAndNotify") })
    let stalled = try StallableGateway(daemon: daemon, gatewayID: "stalled", users: stalledUsers)
    let healthy = try daemon.gateway("healthy")
    try healthy.attach(healthyUsers)
    let client = try daemon.client()
    for n in 1...60 {
      try client.expectOK(.sendMessage) {
        $0.add("officialAccountID", Self.channel)
        $0.add("payload", rawJSON: Array(#"{"n":\#(n)}"#.utf8))
      }
    }
    // Its socket queues without bound (libzmq reads for it meanwhile): it reads afterwards.
    let healthyBatches = try healthy.batches(within: 60_000) { $0.count >= 50 * 60 }
    var healthySeqs: [String: [Int]] = [:]
    for batch in healthyBatches where batch.type == "message" {
      for user in batch.users { healthySeqs[user, default: []].append(batch.fields["seq"] as! Int) }
    }
    #expect(healthySeqs.count == 50)
    #expect(healthySeqs.values.allSatisfy { $0 == Array(1...60) }, "the healthy gateway lost none")
    let dropped = try #require(daemon.daemon.gatewayStatus?.totals)
    #expect(dropped.cutOffs >= 1 && dropped.batchesDropped > 0)

    // Now it reads: what it was sent, the gaps, then (after one more message) the new one.
    var batches = try stalled.readAll()
    try client.expectOK(.sendMessage) {
      $0.add("officialAccountID", Self.channel)
      $0.add("payload", rawJSON: Array(#"{"n":61}"#.utf8))
    }
    batches += try stalled.readAll()
    var received: [String: Set<Int>] = [:]
    var covered: [String: [ClosedRange<Int>]] = [:]
    for (fields, users) in batches {
      switch fields["type"] as? String {
      case "message":
        for user in users { received[user, default: []].insert(fields["seq"] as! Int) }
      case "gap":
        #expect(fields["officialAccountID"] as? String == Self.channel)
        let range = (fields["fromSeq"] as! Int)...(fields["toSeq"] as! Int)
        for user in users { covered[user, default: []].append(range) }
      default:
        Issue.record("unexpected batch \(fields)")
      }
    }
    #expect(!covered.isEmpty, "a gap notice came")
    for user in stalledUsers {
      for seq in 1...61 where !(received[user]?.contains(seq) ?? false) {
        #expect(
          covered[user]?.contains { $0.contains(seq) } == true,
          "\(user) neither got seq \(seq) nor a gap notice covering it")
      }
      #expect(received[user]?.contains(61) == true, "\(user) receives again after the gap")
    }
    let totals = try #require(daemon.daemon.gatewayStatus?.totals)
    #expect(
      totals.recipientsDropped == UInt64(50 * 61 - received.values.reduce(0) { $0 + $1.count }))
    // The metrics show the drops by gateway, and the sessions and attachments.
    let address = try #require(daemon.daemon.metricsAddress)
    let metrics = try #require(HTTPGet.get("/metrics", from: address)).body
    #expect(
      metrics.contains(
        #"channelcast_gateway_batches_dropped_total{gatewayID="stalled"} \#(totals.batchesDropped)"#
      ))
    #expect(!metrics.contains(#"gatewayID="healthy""#), "the healthy gateway dropped nothing")
    #expect(metrics.contains("channelcast_gateway_sessions 2"))
    #expect(metrics.contains("channelcast_gateway_attached_users 100"))
    #expect(metrics.contains("channelcast_gateway_cut_offs_total"))
  }

  @Test func underBlockAStalledGatewayHoldsPublishersBackAndThenGetsEverything() async throws {
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .block
      $0.gatewayHighWaterMark = 2
      $0.gatewayBatchMaxUsers = 1
      // A stalled gateway's libzmq reads nothing, heartbeats included: the daemon would end
      // its session after three intervals, which a slow run (ThreadSanitizer) can outlast.
      $0.gatewayHeartbeatSeconds = 0
      $0.limits.maxPendingDeliveries = 2_000
    }
    defer { daemon.stop() }
    let users = (0..<100).map { "user-\($0)" }
    try daemon.channel(Self.channel, subscribers: users.map { ($0, "acceptAndNotify") })
    let stalled = try StallableGateway(daemon: daemon, gatewayID: "stalled", users: users)
    let client = try daemon.client()
    var accepted = 0
    var overloaded = false
    for n in 1...200 {
      let reply = try client.call(.sendMessage) {
        $0.add("officialAccountID", Self.channel)
        $0.add("payload", rawJSON: Array(#"{"n":\#(n)}"#.utf8))
      }
      if reply.ok {
        accepted += 1
      } else {
        #expect(reply.errorCode == .overloaded)
        overloaded = true
        break
      }
    }
    #expect(overloaded, "publishers are held back while the gateway does not read")
    try client.expectOK(.subscribeOfficialAccount) {
      $0.add("officialAccountID", "@TOA#_bp")
      $0.add("userID", "late")
    }
    let batches = try stalled.readAll(quietMilliseconds: 3000)
    var seqs: [String: [Int]] = [:]
    for (fields, batchUsers) in batches where fields["type"] as? String == "message" {
      for user in batchUsers { seqs[user, default: []].append(fields["seq"] as! Int) }
    }
    #expect(seqs.count == 100)
    #expect(seqs.values.allSatisfy { $0 == Array(1...accepted) }, "every acknowledged one came")
    #expect(daemon.daemon.gatewayStatus?.totals.batchesDropped == 0)
  }

  @Test func aGatewayThatStopsAnsweringHeartbeatsLosesItsSession() async throws {
    let port = try freeLoopbackPort()
    let daemon = try TestDaemon {
      $0.gatewayEndpoint = "tcp://127.0.0.1:\(port)"
      $0.gatewayHeartbeatSeconds = 1
    }
    defer { daemon.stop() }
    let peer = try SilentGatewayPeer(
      port: port, request: #"{"op":"hello","id":1,"gatewayID":"frozen","protocolVersion":1}"#)
    #expect(daemon.waitForGateways { sessions, _ in sessions == 1 })
    let start = Date()
    #expect(daemon.waitForGateways(timeoutSeconds: 15) { sessions, _ in sessions == 0 })
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed > 1.5, "ended after \(elapsed) s: before any heartbeat could time out")
    withExtendedLifetime(peer) {}
  }
}
