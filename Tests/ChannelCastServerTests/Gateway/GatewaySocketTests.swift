import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Synchronization
import Testing
import ZeroMQ

@testable import ChannelCastServer

/// The gateway socket through real sockets: sessions, attachments, batches and their order.
@Suite struct GatewaySocketTests {
  static let channel = "@TOA#_gw"

  @Test func aBroadcastReachesEachAttachedSubscriberOnceSplitByNotifyWithoutDiscard() async throws {
    let daemon = try TestDaemon { $0.gatewayBatchMaxUsers = 7 }
    defer { daemon.stop() }
    let loud: [String] = (0..<20).map { "loud-\($0)" }
    let quiet: [String] = (0..<9).map { "quiet-\($0)" }
    let silent: [String] = (0..<5).map { "silent-\($0)" }
    var subscribers: [(String, String)] = loud.map { ($0, "acceptAndNotify") }
    subscribers += quiet.map { ($0, "acceptNotNotify") }
    subscribers += silent.map { ($0, "discard") }
    try daemon.channel(Self.channel, subscribers: subscribers)
    let gateway = try daemon.gateway("gw-1")
    #expect(gateway.batchMaxUsers == 7)
    // "offline-0" subscribes but is attached nowhere; "idle" is attached and subscribes nothing.
    try daemon.channel("@TOA#_other", subscribers: [("offline-0", "acceptAndNotify")])
    let attaching: [String] = loud + quiet + silent + ["idle"]
    #expect(try gateway.attach(attaching) == 35)
    #expect(try gateway.attach(["loud-0"]) == 0)

    try daemon.client().expectOK(.sendMessage) {
      $0.add("officialAccountID", Self.channel)
      $0.add("payload", rawJSON: Array(#"{"text":"hi"}"#.utf8))
    }
    let batches = try gateway.batches { received in
      received.reduce(0) { $0 + $1.userIDs.count } >= 29
    }
    #expect(batches.allSatisfy { $0.type == "message" && $0.userIDs.count <= 7 })
    let notified: [String] = batches.filter { $0.fields["notify"] as? Bool == true }
      .flatMap { $0.users }
    let unnotified: [String] = batches.filter { $0.fields["notify"] as? Bool == false }
      .flatMap { $0.users }
    #expect(notified.sorted() == loud.sorted())
    #expect(unnotified.sorted() == quiet.sorted())
    #expect(try gateway.batches(for: 200).isEmpty, "nothing else: no discard user, no duplicate")
  }

  @Test func theBatchesOfASessionAreAnAsyncSequence() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.channel(Self.channel, subscribers: [("alice", "acceptAndNotify")])
    let batches = GatewaySession.batches(
      .init(
        endpoint: daemon.configuration.gatewayEndpoint, gatewayID: "gw-async",
        userIDs: ["alice"]),
      context: daemon.context)
    #expect(daemon.waitForGateways { $1 == 1 })
    try send(daemon, "async")
    var iterator = batches.makeAsyncIterator()
    let batch = try await iterator.next()
    #expect(batch?.userIDs == [ByteString("alice")])
  }

  @Test func theEnvelopeIsByteForByteThePerUserDelivery() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.channel(Self.channel, subscribers: [("alice", "acceptAndNotify")])
    let consumer = try daemon.consumer(users: ["alice"])
    let gateway = try daemon.gateway("gw-1")
    try gateway.attach(["alice"])
    try daemon.client().expectOK(.sendMessage) {
      $0.add("officialAccountID", Self.channel)
      $0.add("payload", rawJSON: Array(#"{"n":1}"#.utf8))
    }
    let batch = try #require(try gateway.nextBatch(timeoutMilliseconds: 10_000))
    let delivery = try #require(try consumer.receive(timeoutMilliseconds: 10_000))
    #expect(batch.envelope == delivery.envelope)
    #expect(batch.users == ["alice"])
  }

  @Test func aUserAttachedAtTwoGatewaysGetsItAtBothUntilDetached() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.channel(Self.channel, subscribers: [("alice", "acceptAndNotify")])
    let phone = try daemon.gateway("gw-phone")
    let desktop = try daemon.gateway("gw-desktop")
    try phone.attach(["alice"])
    try desktop.attach(["alice"])
    try send(daemon, "one")
    #expect(try phone.nextBatch(timeoutMilliseconds: 10_000)?.users == ["alice"])
    #expect(try desktop.nextBatch(timeoutMilliseconds: 10_000)?.users == ["alice"])
    #expect(try desktop.detach(["alice", "bob"]) == 1)
    try send(daemon, "two")
    let second = try #require(try phone.nextBatch(timeoutMilliseconds: 10_000))
    #expect((second.fields["payload"] as? [String: Any])?["text"] as? String == "two")
    #expect(try desktop.batches(for: 300).isEmpty)
  }

  @Test func aHelloFromAnotherConnectionTakesTheGatewayIDOverAndDropsTheOldAttachments()
    async throws
  {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.channel(Self.channel, subscribers: [("alice", "acceptAndNotify")])
    let old = try daemon.gateway("gw-1")
    try old.attach(["alice"])
    #expect(daemon.waitForGateways { $1 == 1 })
    let new = try daemon.gateway("gw-1")
    #expect(daemon.waitForGateways { $0 == 1 && $1 == 0 })
    do {
      try old.attach(["alice"])
      Issue.record("the old connection still has a session")
    } catch GatewaySessionError.refused(let reply) {
      #expect(reply.errorCode == .invalidArgument)
      #expect(reply.errorMessage?.contains("hello") == true)
    }
    try new.attach(["alice"])
    try send(daemon, "after")
    #expect(try new.nextBatch(timeoutMilliseconds: 10_000)?.users == ["alice"])
    #expect(try old.batches(for: 300).isEmpty)
  }

  @Test func byeAndADisconnectionDropTheAttachments() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    let first = try daemon.gateway("gw-1")
    try first.attach(["a", "b"])
    var second: GatewaySession? = try daemon.gateway("gw-2")
    try second!.attach(["b", "c", "d"])
    #expect(daemon.waitForGateways { $0 == 2 && $1 == 4 })
    try first.bye()
    #expect(daemon.daemon.gatewayStatus?.attachedUsers == 3, "bye replies once they are dropped")
    second = nil  // closes the socket: the daemon sees the connection end
    #expect(daemon.waitForGateways { $0 == 0 && $1 == 0 })
    _ = second
  }

  @Test func aSessionSaysHelloAgainAndReattachesWhenItReconnectsToARestartedDaemon() throws {
    let first = try TestDaemon()
    defer { first.stop() }
    let session = try first.gateway("gw-1")
    try session.attach(["alice", "bob"])
    first.daemon.shutdown()
    let second = try TestDaemon {
      $0.commandEndpoint = first.configuration.commandEndpoint
      $0.gatewayEndpoint = first.configuration.gatewayEndpoint
    }
    defer { second.stop() }
    // The session notices the new connection while it waits for batches.
    var reattached = false
    for _ in 0..<200 where !reattached {
      _ = try session.nextBatch(timeoutMilliseconds: 50)
      reattached =
        second.daemon.gatewayStatus.map { $0.sessions == 1 && $0.attachedUsers == 2 }
        ?? false
    }
    #expect(reattached)
    #expect(session.reconnections == 1)
    try second.channel(Self.channel, subscribers: [("alice", "acceptAndNotify")])
    try send(second, "again")
    let batches = try session.batches { $0.contains { $0.type == "message" } }
    #expect(batches.last?.users == ["alice"])
  }

  @Test func attachesSentWhileTheDaemonRecoversWaitForTheRecovery() throws {
    let first = try TestDaemon()
    defer { first.stop() }
    let client = try first.client()
    try first.channel(Self.channel, subscribers: [])
    for batch in 0..<40 {
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", Self.channel)
        var list = JSONArrayWriter()
        for user in 0..<1000 { list.append("user-\(batch)-\(user)") }
        $0.add("userIDList", array: list)
      }
    }
    first.daemon.shutdown()  // writes a snapshot of 40,000 users
    // A gateway that attaches new users from before the restart until after it.
    let attaching = Atomic<Bool>(true)
    let context = first.context
    let endpoint = first.configuration.gatewayEndpoint
    let gateway = Thread {
      guard let socket = try? Socket(context: context, type: .dealer) else { return }
      defer { socket.close() }
      try? socket.setOption(.linger, 0)
      try? socket.connect(endpoint)
      var request = 0
      while attaching.load(ordering: .relaxed) {
        request += 1
        let body =
          request == 1
          ? #"{"op":"hello","id":0,"gatewayID":"early","protocolVersion":1}"#
          : #"{"op":"attach","id":\#(request),"userIDList":["late-\#(request)"]}"#
        _ = try? socket.send([], more: true, dontWait: true)
        _ = try? socket.send(Array(body.utf8), dontWait: true)
        while (try? socket.receiveMultipart(dontWait: true)) != nil {}
        usleep(200)
      }
    }
    gateway.start()
    defer { attaching.store(false, ordering: .relaxed) }
    usleep(50_000)
    let second = try TestDaemon {
      $0.commandEndpoint = first.configuration.commandEndpoint
      $0.gatewayEndpoint = first.configuration.gatewayEndpoint
      $0.dataDirectory = first.configuration.dataDirectory
    }
    defer { second.stop() }
    // The early session was served once the state was recovered.
    #expect(second.waitForGateways { sessions, attached in sessions == 1 && attached > 0 })
    attaching.store(false, ordering: .relaxed)
    let stats = try second.client().expectOK(.stats)
    #expect(stats["subscriptions"] as? Int == 40_000)
  }

  @Test func eachChannelsBatchesArriveInSeqOrderAndTheDeletionAfterThem() async throws {
    let daemon = try TestDaemon { $0.gatewayBatchMaxUsers = 64 }
    defer { daemon.stop() }
    let users: [String] = (0..<500).map { "user-\($0)" }
    let subscribers: [(String, String)] = users.map { ($0, "acceptAndNotify") }
    try daemon.channel(Self.channel, subscribers: subscribers)
    let gateway = try daemon.gateway("gw-1")
    try gateway.attach(users)
    let client = try daemon.client()
    for n in 1...20 { try send(daemon, "m\(n)", client: client) }
    try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", Self.channel) }
    let batches = try gateway.batches { received in
      received.filter { $0.type == "officialAccountDeleted" }.reduce(0) { $0 + $1.userIDs.count }
        == 500
    }
    var lastSeq: [String: Int] = [:]
    var deleted: Set<String> = []
    for batch in batches {
      for user in batch.users {
        if batch.type == "message" {
          let seq = batch.fields["seq"] as? Int ?? 0
          #expect(!deleted.contains(user), "\(user) got seq \(seq) after the deletion")
          #expect(
            seq == (lastSeq[user] ?? 0) + 1, "\(user): seq \(seq) after \(lastSeq[user] ?? 0)")
          lastSeq[user] = seq
        } else if batch.type == "officialAccountDeleted" {
          deleted.insert(user)
        }
      }
    }
    #expect(lastSeq.count == 500 && lastSeq.values.allSatisfy { $0 == 20 })
    #expect(deleted.count == 500)
  }

  @Test func perUserEventsComeAsBatchesOfOne() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.channel(Self.channel, subscribers: [])
    let gateway = try daemon.gateway("gw-1")
    try gateway.attach(["alice", "bob", "owner"])
    let client = try daemon.client()
    try client.expectOK(.subscribeOfficialAccount) {
      $0.add("officialAccountID", Self.channel)
      $0.add("userID", "alice")
    }
    try client.expectOK(.sendMessageToOfficialAccount) {
      $0.add("officialAccountID", Self.channel)
      $0.add("userID", "alice")
      $0.add("payload", rawJSON: Array(#"{"q":"hello?"}"#.utf8))
    }
    try client.expectOK(.unsubscribeOfficialAccount) {
      $0.add("officialAccountID", Self.channel)
      $0.add("userID", "alice")
    }
    let batches = try gateway.batches { $0.count >= 3 }
    #expect(batches.allSatisfy { $0.userIDs.count == 1 })
    // Alice's events in their order; the owner's (on its own shard, maybe) in any place.
    #expect(
      batches.filter { $0.users == ["alice"] }.map { $0.type } == [
        "officialAccountSubscribed", "officialAccountUnsubscribed",
      ])
    #expect(batches.filter { $0.users == ["owner"] }.map { $0.type } == ["subscriberMessage"])
  }

  @Test func badRequestsGetClearErrors() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    let socket = try Socket(context: daemon.context, type: .dealer)
    defer { socket.close() }
    try socket.setOption(.linger, 0)
    try socket.setOption(.receiveTimeout, 10_000)
    try socket.connect(daemon.configuration.gatewayEndpoint)
    func ask(_ json: String) throws -> [String: Any] {
      try socket.send([], more: true)
      try socket.send(Array(json.utf8))
      let frames = try #require(try socket.receiveMultipart())
      #expect(frames.count == 2 && frames[0].isEmpty)
      return try #require(JSONSerialization.jsonObject(with: Data(frames[1])) as? [String: Any])
    }
    func code(_ reply: [String: Any]) -> String? {
      (reply["error"] as? [String: Any])?["code"] as? String
    }
    #expect(code(try ask(#"{"op":"attach","id":1,"userIDList":["a"]}"#)) == "invalid_argument")
    #expect(code(try ask(#"{"op":"subscribe","id":2}"#)) == "unknown_op")
    #expect(
      code(try ask(#"{"op":"hello","id":3,"gatewayID":"","protocolVersion":1}"#))
        == "invalid_argument")
    #expect(
      code(try ask(#"{"op":"hello","id":4,"gatewayID":"g","protocolVersion":2}"#))
        == "invalid_argument")
    #expect(code(try ask("not json")) == "invalid_argument")
    let hello = try ask(#"{"op":"hello","id":"h","gatewayID":"g","protocolVersion":1}"#)
    #expect(hello["id"] as? String == "h")
    #expect((hello["result"] as? [String: Any])?["batchMaxUsers"] as? Int == 4096)
    let tooMany = (0...GatewayProtocol.usersPerRequest).map { "\"u\($0)\"" }.joined(separator: ",")
    #expect(
      code(try ask(#"{"op":"attach","id":5,"userIDList":[\#(tooMany)]}"#)) == "invalid_argument")
    #expect(code(try ask(#"{"op":"attach","id":6,"userIDList":[]}"#)) == "invalid_argument")
    #expect(
      code(try ask(#"{"op":"attach","id":7,"userIDList":["a\u0001"]}"#)) == "invalid_argument")
    let attached = try ask(#"{"op":"attach","id":8,"userIDList":["a","a","b"]}"#)
    #expect((attached["result"] as? [String: Any])?["attached"] as? Int == 2)
  }

  private func send(_ daemon: TestDaemon, _ text: String, client: ChannelCastClient? = nil) throws {
    try (client ?? daemon.client()).expectOK(.sendMessage) {
      $0.add("officialAccountID", Self.channel)
      $0.add("payload", rawJSON: Array(#"{"text":"\#(text)"}"#.utf8))
    }
  }
}
