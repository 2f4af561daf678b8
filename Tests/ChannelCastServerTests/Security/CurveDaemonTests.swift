import ChannelCastClient
import ChannelCastCore
import ChannelCastKeys
import ChannelCastProtocol
import ChannelCastServer
import Foundation
import Testing
import ZeroMQ

/// A daemon with CURVE on, over tcp loopback, with three known clients (admin, a publisher of
/// `@TOA#_news` and `@TOA#_shop*`, a gateway) and one stranger whose key it does not know.
private final class SecuredDaemon {
  let server: TestDaemon
  let serverKeys: CurveKeyPair
  let admin = try! CurveKeyPair.generate()
  let publisher = try! CurveKeyPair.generate()
  let gateway = try! CurveKeyPair.generate()
  let stranger = try! CurveKeyPair.generate()
  let clientsFile: String

  init(configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-curve-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    serverKeys = try CurveKeyPair.generate()
    let keyFile = try serverKeys.write(name: directory + "/server", overwrite: false).keyFile
    clientsFile = directory + "/clients.toml"
    let admin = admin
    let publisher = publisher
    let gateway = gateway
    let clientsFile = clientsFile
    try Self.writeClients(
      [
        (admin, "admin", nil), (publisher, "publisher", #"["@TOA#_news", "@TOA#_shop*"]"#),
        (gateway, "gateway", nil),
      ], to: clientsFile)
    do {
      server = try TestDaemon {
        $0.commandEndpoint = "tcp://127.0.0.1:\(Self.freePort())"
        $0.deliveryEndpoint = "tcp://127.0.0.1:\(Self.freePort())"
        $0.gatewayEndpoint = "tcp://127.0.0.1:\(Self.freePort())"
        $0.serverKeyFile = keyFile
        $0.clientsFile = clientsFile
        configure(&$0)
      }
    } catch {
      try? FileManager.default.removeItem(atPath: directory)
      throw error
    }
    try? FileManager.default.removeItem(atPath: directory + "/server.pub")
    self.keyDirectory = directory
  }

  private let keyDirectory: String

  func stop() {
    server.stop()
    try? FileManager.default.removeItem(atPath: keyDirectory)
  }

  static func writeClients(_ clients: [(CurveKeyPair, String, String?)], to path: String) throws {
    let text = clients.map { keys, role, accounts in
      "[[client]]\npublicKey = \"\(keys.publicKey)\"\nrole = \"\(role)\"\n"
        + (accounts.map { "officialAccounts = \($0)\n" } ?? "")
    }.joined(separator: "\n")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  /// A port nothing listens on now (bound and released), for the daemon's tcp endpoints.
  static func freePort() -> Int {
    let context = try! ZMQContext()
    let socket = try! Socket(context: context, type: .rep)
    try! socket.bind("tcp://127.0.0.1:*")
    let endpoint = try! socket.lastEndpoint
    socket.close()
    return Int(endpoint.split(separator: ":").last!)!
  }

  func client(_ keys: CurveKeyPair?, timeoutMilliseconds: Int = 10_000) throws
    -> ChannelCastClient
  {
    try ChannelCastClient(
      endpoint: server.configuration.commandEndpoint, context: server.context,
      timeoutMilliseconds: timeoutMilliseconds,
      curve: keys.map { CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: $0) })
  }

  func gatewaySession(_ keys: CurveKeyPair, id: String) throws -> GatewaySession {
    try GatewaySession(
      endpoint: server.configuration.gatewayEndpoint, context: server.context, gatewayID: id,
      timeoutMilliseconds: 5000,
      curve: CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: keys))
  }

  func consumer(
    _ keys: CurveKeyPair, users: [String]? = nil, receiveHighWaterMark: Int32? = nil
  ) throws -> DeliveryConsumer {
    try DeliveryConsumer(
      endpoint: server.configuration.deliveryEndpoint, context: server.context, users: users,
      receiveHighWaterMark: receiveHighWaterMark,
      curve: CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: keys))
  }
}

private func withSecuredDaemon(
  configure: (inout DaemonConfiguration) -> Void = { _ in }, _ body: (SecuredDaemon) throws -> Void
) throws {
  let daemon = try SecuredDaemon(configure: configure)
  defer { daemon.stop() }
  try body(daemon)
}

@Suite("CURVE on the daemon's sockets")
struct CurveDaemonTests {
  @Test func eachRoleMayDoWhatItsRoleAllows() throws {
    try withSecuredDaemon { daemon in
      let admin = try daemon.client(daemon.admin)
      try admin.createChannel("@TOA#_news")
      try admin.createChannel("@TOA#_shop-1")
      try admin.createChannel("@TOA#_other")

      let gateway = try daemon.client(daemon.gateway)
      try gateway.subscribe("alice", to: "@TOA#_news")
      try gateway.expectError(.permissionDenied, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("payload", rawJSON: Array("1".utf8))
      }
      try gateway.expectError(.permissionDenied, .createOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_mine")
        $0.add("ownerUserID", "o")
        $0.add("officialAccountName", "Mine")
      }

      let publisher = try daemon.client(daemon.publisher)
      try publisher.broadcast("@TOA#_news", payload: #"{"t":"hello"}"#)
      try publisher.broadcast("@TOA#_shop-1", payload: #"{"t":"sale"}"#)
      let denied = try publisher.expectError(.permissionDenied, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_other")
        $0.add("payload", rawJSON: Array("1".utf8))
      }
      #expect((denied["message"] as? String)?.contains("@TOA#_news, @TOA#_shop*") == true)
      try publisher.expectError(.permissionDenied, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "mallory")
      }
      try publisher.expectError(.permissionDenied, .stats)
      try publisher.expectOK(.ping)

      // The history shows only what the allowed calls did.
      let history = try admin.expectOK(.getHistory) { $0.add("officialAccountID", "@TOA#_other") }
      #expect((history["messages"] as? [Any])?.isEmpty == true)
      let subscribers = try admin.expectOK(.getSubscribers) {
        $0.add("officialAccountID", "@TOA#_news")
      }
      #expect((subscribers["subscribers"] as? [Any])?.count == 1)
    }
  }

  @Test func anUnknownKeyOrAPlainClientGetsNoAnswer() throws {
    try withSecuredDaemon { daemon in
      let stranger = try daemon.client(daemon.stranger, timeoutMilliseconds: 5000)
      #expect(throws: ClientError.keyRefused(status: 400)) { try stranger.call(.ping) }
      let plain = try daemon.client(nil, timeoutMilliseconds: 500)
      #expect(throws: ClientError.self) { try plain.call(.ping) }
      // A client that trusts another server key never completes the handshake either.
      let impostor = try ChannelCastClient(
        endpoint: daemon.server.configuration.commandEndpoint, context: daemon.server.context,
        timeoutMilliseconds: 500,
        curve: CurveClientCredentials(
          serverPublicKey: try CurveKeyPair.generate().publicKey, keys: daemon.admin))
      #expect(throws: ClientError.self) { try impostor.call(.ping) }
      // The refusal is counted.
      let metrics = try scrape(daemon.server)
      #expect(
        metrics.contains(#"channelcast_authentications_total{socket="command",result="refused"} 1"#)
          || metrics.contains(
            #"channelcast_authentications_total{result="refused",socket="command"} 1"#),
        "\(metrics.split(separator: "\n").filter { $0.contains("authentications") })")
      try daemon.client(daemon.admin).expectOK(.ping)
    }
  }

  @Test func onlyGatewayAndAdminKeysOpenGatewaySessionsAndTheirBatchesArrive() throws {
    try withSecuredDaemon { daemon in
      let admin = try daemon.client(daemon.admin)
      try admin.createChannel("@TOA#_news")
      try admin.subscribe("alice", to: "@TOA#_news")
      let gateway = try daemon.gatewaySession(daemon.gateway, id: "gw-curve")
      try gateway.attach(["alice"])
      let asAdmin = try daemon.gatewaySession(daemon.admin, id: "gw-admin")
      try asAdmin.attach(["alice"])
      try admin.broadcast("@TOA#_news", payload: "1")
      #expect(try gateway.nextBatch(timeoutMilliseconds: 10_000)?.userIDs == [ByteString("alice")])
      #expect(try asAdmin.nextBatch(timeoutMilliseconds: 10_000)?.userIDs == [ByteString("alice")])
      // The others' handshakes are refused: the session says so instead of waiting.
      #expect(throws: ClientError.keyRefused(status: 400)) {
        try daemon.gatewaySession(daemon.publisher, id: "gw-publisher")
      }
      #expect(throws: ClientError.keyRefused(status: 400)) {
        try daemon.gatewaySession(daemon.stranger, id: "gw-stranger")
      }
    }
  }

  @Test func onlyGatewaysAndAdminsReceiveDeliveries() throws {
    try withSecuredDaemon { daemon in
      let admin = try daemon.client(daemon.admin)
      try admin.createChannel("@TOA#_news")
      try admin.subscribe("alice", to: "@TOA#_news")
      let gatewayConsumer = try daemon.consumer(daemon.gateway)
      let publisherConsumer = try daemon.consumer(daemon.publisher)
      let strangerConsumer = try daemon.consumer(daemon.stranger)
      // Subscriptions reach the XPUB asynchronously: broadcast until the gateway hears one.
      var heard = false
      for attempt in 0..<50 where !heard {
        try admin.broadcast("@TOA#_news", payload: "\(attempt)")
        heard = try gatewayConsumer.receive(timeoutMilliseconds: 100) != nil
      }
      #expect(heard)
      // The others' handshakes are refused; the consumer says so instead of waiting.
      #expect(throws: ClientError.keyRefused(status: 400)) {
        try publisherConsumer.receive(timeoutMilliseconds: 5000)
      }
      #expect(throws: ClientError.keyRefused(status: 400)) {
        try strangerConsumer.receive(timeoutMilliseconds: 5000)
      }
      let metrics = try scrape(daemon.server)
      #expect(metrics.contains(#"socket="delivery""#) && metrics.contains(#"result="refused""#))
    }
  }

  @Test func aReloadAppliesToTheNextRequestOfAConnectedClient() throws {
    try withSecuredDaemon { daemon in
      let admin = try daemon.client(daemon.admin)
      try admin.createChannel("@TOA#_news")
      let publisher = try daemon.client(daemon.publisher)
      try publisher.broadcast("@TOA#_news", payload: "1")
      let newcomer = try CurveKeyPair.generate()

      // The publisher is removed and a newcomer admitted; the file is re-read on reload.
      try SecuredDaemon.writeClients(
        [(daemon.admin, "admin", nil), (newcomer, "gateway", nil)], to: daemon.clientsFile)
      try daemon.server.daemon.reload(daemon.server.configuration)
      let denied = try publisher.expectError(.permissionDenied, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("payload", rawJSON: Array("2".utf8))
      }
      #expect((denied["message"] as? String)?.contains("no longer") == true)
      try daemon.client(newcomer).subscribe("bob", to: "@TOA#_news")

      // A clients file with a mistake is refused whole; the list in force stays.
      try "[[client]]\nrole = \"admin\"\n".write(
        toFile: daemon.clientsFile, atomically: true, encoding: .utf8)
      #expect(throws: ConfigurationError.self) {
        try daemon.server.daemon.reload(daemon.server.configuration)
      }
      try daemon.client(newcomer).subscribe("carol", to: "@TOA#_news")
    }
  }

  /// The drop policy over CURVE and tcp, with gateways subscribed per user: one stops reading
  /// and is cut off after the grace, its misses counted; the other receives everything.
  @Test func underDropAStalledGatewayIsCutOffAndAHealthyOneReceivesEverything() throws {
    let dropPolicy: (inout DaemonConfiguration) -> Void = {
      $0.slowConsumerPolicy = .drop
      $0.slowConsumerGraceMilliseconds = 2000
      $0.deliveryHighWaterMark = 50
      $0.deliverySendBufferBytes = 65_536
    }
    try withSecuredDaemon(configure: dropPolicy) { daemon in
      let admin = try daemon.client(daemon.admin, timeoutMilliseconds: 60_000)
      let stalledUsers = (0..<100).map { "stalled-\($0)" }
      let healthyUsers = (0..<100).map { "healthy-\($0)" }
      try admin.createChannel("@TOA#_news")
      try admin.subscribe(stalledUsers + healthyUsers, to: "@TOA#_news")
      let stalled = try daemon.consumer(
        daemon.gateway, users: stalledUsers, receiveHighWaterMark: 50)
      let healthy = try daemon.consumer(
        daemon.gateway, users: healthyUsers, receiveHighWaterMark: 50)
      // Both gateways' subscriptions in force: each receives a probe to its last user.
      try admin.createChannel("@TOA#_probe")
      try admin.subscribe([stalledUsers.last!, healthyUsers.last!], to: "@TOA#_probe")
      var ready = [false, false]
      for attempt in 0..<200 where ready.contains(false) {
        try admin.broadcast("@TOA#_probe", payload: "\(attempt)")
        for (index, gateway) in [healthy, stalled].enumerated() {
          if try gateway.receive(timeoutMilliseconds: 20) != nil { ready[index] = true }
        }
      }
      try #require(ready == [true, true])
      for gateway in [healthy, stalled] {
        while try gateway.receive(timeoutMilliseconds: 200) != nil {}
      }
      let droppedBefore = try admin.expectOK(.stats)["deliveriesDropped"] as? Int ?? -1

      // Large enough that the stalled gateway's kernel buffers fill too.
      let filler = String(repeating: "x", count: 2000)
      let broadcasts = 100
      for number in 1...broadcasts {
        try admin.broadcast("@TOA#_news", payload: "\"\(filler)\(number)\"")
      }
      let received = try healthy.receive(
        healthyUsers.count * broadcasts, silenceMilliseconds: 10_000)
      #expect(received.count == healthyUsers.count * broadcasts)

      let stats = try admin.expectOK(.stats)
      let dropped = (stats["deliveriesDropped"] as? Int ?? -1) - droppedBefore
      #expect(dropped > 0)
      var reachedStalled = 0
      while try stalled.receive(timeoutMilliseconds: 1000) != nil { reachedStalled += 1 }
      #expect(reachedStalled + dropped == stalledUsers.count * broadcasts)
    }
  }
}

/// The daemon's /metrics text.
private func scrape(_ daemon: TestDaemon) throws -> String {
  let address = try #require(daemon.daemon.metricsAddress)
  return try #require(HTTPGet.get("/metrics", from: address)).body

}
