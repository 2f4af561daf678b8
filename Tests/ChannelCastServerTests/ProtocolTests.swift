import ChannelCastClient
import ChannelCastCore
import ChannelCastServer
import Foundation
import Logging
import Testing
import ZeroMQ

/// The request/reply envelope: ids, malformed frames, unknown ops, REQ and DEALER clients.
@Suite struct ProtocolTests {
  /// Sends raw frames from a DEALER (after the empty delimiter) and returns the decoded reply.
  private func rawReply(_ daemon: TestDaemon, frames: [[UInt8]]) throws -> [String: Any] {
    let socket = try Socket(context: daemon.context, type: .dealer)
    defer { socket.close() }
    try socket.setOption(.linger, 0)
    try socket.connect(daemon.configuration.commandEndpoint)
    try socket.sendMultipart([[]] + frames)
    let ready = try Poller.poll([(socket, .readable)], timeoutMilliseconds: 5000)
    try #require(ready[0].contains(.readable), "no reply")
    let reply = try #require(try socket.receiveMultipart())
    #expect(reply.count == 2 && reply[0].isEmpty)
    return try JSON.object(reply.last!)
  }

  private func expectInvalid(
    _ reply: [String: Any], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(reply["ok"] as? Bool == false, sourceLocation: sourceLocation)
    #expect(
      (reply["error"] as? [String: Any])?["code"] as? String == "invalid_argument",
      "\(reply)", sourceLocation: sourceLocation)
  }

  @Test func pingReportsTheVersions() throws {
    try withDaemon { daemon in
      let result = try daemon.client().expectOK(.ping)
      #expect(result["protocolVersion"] as? Int == 1)
      #expect(result["version"] as? String == ChannelCastService.version)
    }
  }

  @Test func echoesAnyIDBack() throws {
    try withDaemon { daemon in
      let reply = try rawReply(
        daemon, frames: [Array("{\"op\":\"ping\",\"id\":{\"trace\":[1,\"x\"]}}".utf8)])
      #expect(reply["ok"] as? Bool == true)
      #expect(((reply["id"] as? [String: Any])?["trace"] as? [Any])?.count == 2)
      let noID = try rawReply(daemon, frames: [Array("{\"op\":\"ping\"}".utf8)])
      #expect(noID["id"] is NSNull)
    }
  }

  @Test(arguments: [
    "not json", "[1,2]", "\"ping\"", "42", "", "{\"op\":7}", "{\"id\":1}",
    "{\"op\":\"subscribeOfficialAccount\",\"officialAccountID\":5,\"userID\":\"a\"}",
    "{\"op\":\"listOfficialAccounts\",\"limit\":\"ten\"}",
    "{\"op\":\"listOfficialAccounts\",\"limit\":1.5}",
    "{\"op\":\"getHistory\",\"officialAccountID\":\"@TOA#_x\",\"afterSeq\":-1}",
    "{\"op\":\"ping\",\"op\":\"stats\"}",
  ])
  func malformedRequestsGetInvalidArgument(_ request: String) throws {
    try withDaemon { daemon in
      expectInvalid(try rawReply(daemon, frames: [Array(request.utf8)]))
    }
  }

  @Test func invalidUTF8GetsInvalidArgument() throws {
    try withDaemon { daemon in
      let bytes = Array("{\"op\":\"ping\",\"id\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
      expectInvalid(try rawReply(daemon, frames: [bytes]))
    }
  }

  @Test func tooManyFramesGetInvalidArgument() throws {
    try withDaemon { daemon in
      let ping = Array("{\"op\":\"ping\"}".utf8)
      let reply = try rawReply(daemon, frames: [ping, ping, ping])
      expectInvalid(reply)
      #expect(
        ((reply["error"] as? [String: Any])?["message"] as? String)?.contains("frame") == true)
    }
  }

  @Test func unknownOpsAreNamed() throws {
    try withDaemon { daemon in
      // An op the client's `RequestOp` cannot name goes out as a frame of its own.
      let client = try daemon.client()
      try client.send(Array(#"{"op":"launchRockets","id":1}"#.utf8))
      let reply = try client.receiveReply()
      #expect(reply.errorCode == .unknownOp)
      #expect(reply.errorMessage?.contains("launchRockets") == true)
    }
  }

  @Test func unknownFieldsAreIgnored() throws {
    try withDaemon { daemon in
      let result = try daemon.client().expectOK(.ping) { $0.add("colour", "blue") }
      #expect(result["protocolVersion"] as? Int == 1)
    }
  }

  @Test func aREQSocketGetsItsReply() throws {
    try withDaemon { daemon in
      let socket = try Socket(context: daemon.context, type: .req)
      defer { socket.close() }
      try socket.setOption(.linger, 0)
      try socket.setOption(.receiveTimeout, 5000)
      try socket.connect(daemon.configuration.commandEndpoint)
      try socket.send("{\"op\":\"ping\",\"id\":\"req\"}")
      let reply = try #require(try socket.receiveMultipart())
      #expect(reply.count == 1)
      #expect(try JSON.object(reply[0])["id"] as? String == "req")
    }
  }

  @Test func aDealerMayPipelineManyRequests() throws {
    try withDaemon { daemon in
      // One connection (in cluster mode, to one node): its replies come in request order.
      let client = try ChannelCastClient(
        endpoint: daemon.configuration.commandEndpoint, context: daemon.context)
      try client.createChannel("@TOA#_news")
      let count = 2000
      for number in 0..<count {
        try client.send(
          client.request(.subscribeOfficialAccount) {
            $0.add("officialAccountID", "@TOA#_news")
            $0.add("userID", "user-\(number)")
          })
      }
      var ids: [Int] = []
      for _ in 0..<count {
        let reply = try client.receiveReply()
        #expect(reply.ok)
        ids.append(Int(reply.id?.int64Value ?? -1))
      }
      #expect(ids == ids.sorted() && Set(ids).count == count)
      let stats = try client.expectOK(.stats)
      #expect(stats["subscriptions"] as? Int == count)
    }
  }

  @Test func statsCountsChannelsBroadcastsAndDeliveries() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      for user in ["a", "b", "c"] { try client.subscribe(user, to: "@TOA#_news") }
      let consumer = try daemon.consumer(users: ["a", "b", "c"])
      _ = try consumer.receive(0)
      try client.broadcast("@TOA#_news", payload: "1")
      #expect(try consumer.receive(3).count == 3)
      let stats = try client.expectOK(.stats)
      #expect(stats["officialAccounts"] as? Int == 1)
      #expect(stats["subscriptions"] as? Int == 3)
      #expect((stats["broadcasts"] as? Int ?? 0) >= 1)
      // 3 subscribed events + 3 messages (in cluster mode, each node counts its own users').
      let sent = try daemon.statsOfEachNode().reduce(0) { $0 + ($1["deliveriesSent"] as? Int ?? 0) }
      #expect(sent >= 6)
      #expect(stats["deliveriesDropped"] as? Int == 0)
      #expect((stats["shardQueueDepths"] as? [Int])?.count == 4)
      #expect(stats["uptimeSeconds"] as? Int != nil)
    }
  }
}

/// Framing beyond the plain REQ/DEALER case, and endpoints that are already taken.
@Suite struct FramingAndEndpointTests {
  @Test func repliesThroughProxiesEchoEveryRoutingFrame() throws {
    try withDaemon { daemon in
      let socket = try Socket(context: daemon.context, type: .dealer)
      defer { socket.close() }
      try socket.setOption(.linger, 0)
      try socket.setOption(.receiveTimeout, 5000)
      try socket.connect(daemon.configuration.commandEndpoint)
      // As a proxy would forward it: an extra routing frame before the delimiter.
      try socket.sendMultipart([Array("hop-1".utf8), [], Array("{\"op\":\"ping\",\"id\":7}".utf8)])
      let reply = try #require(try socket.receiveMultipart())
      #expect(reply.count == 3)
      #expect(reply[0] == Array("hop-1".utf8) && reply[1].isEmpty)
      #expect(try JSON.object(reply[2])["id"] as? Int == 7)
    }
  }

  @Test func aSecondDaemonOnTheSameIPCEndpointRefusesToStart() throws {
    try withDaemon { daemon in
      var logger = Logger(label: "second")
      logger.logLevel = .critical
      var second = daemon.configuration
      second.dataDirectory = daemon.directory.appendingPathComponent("second-data").path
      #expect(throws: EndpointInUseError.self) {
        _ = try ChannelCastDaemon(configuration: second, logger: logger)
      }
      // The first daemon still answers on its endpoint.
      let ping = try daemon.client().expectOK(.ping)
      #expect(ping["protocolVersion"] as? Int == 1)
    }
  }
}
