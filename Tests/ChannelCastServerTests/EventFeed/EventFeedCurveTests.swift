import ChannelCastClient
import ChannelCastKeys
import ChannelCastProtocol
import Foundation
import Testing
import ZeroMQ

@testable import ChannelCastServer

/// The event feed under CURVE: every record of every channel, so admins only.
@Suite struct EventFeedCurveTests {
  /// A daemon with CURVE on, its feed at `ipc://`, and an admin and a gateway it knows.
  private struct SecuredFeed {
    let daemon: TestDaemon
    let serverPublicKey: String
    let admin: CurveKeyPair
    let gateway: CurveKeyPair

    func credentials(_ keys: CurveKeyPair) -> CurveClientCredentials {
      CurveClientCredentials(serverPublicKey: serverPublicKey, keys: keys)
    }
  }

  private func withSecuredFeed(_ body: (SecuredFeed) throws -> Void) throws {
    let keys = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-feed-keys-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: keys) }
    let server = try CurveKeyPair.generate()
    let admin = try CurveKeyPair.generate()
    let gateway = try CurveKeyPair.generate()
    let keyFile = try server.write(name: keys + "/server", overwrite: false).keyFile
    let clientsFile = keys + "/clients.toml"
    try """
    [[client]]
    publicKey = "\(admin.publicKey)"
    role = "admin"

    [[client]]
    publicKey = "\(gateway.publicKey)"
    role = "gateway"
    """.write(toFile: clientsFile, atomically: true, encoding: .utf8)
    try withEventFeed(
      configure: {
        $0.serverKeyFile = keyFile
        $0.clientsFile = clientsFile
      },
      body: { daemon in
        try body(
          SecuredFeed(
            daemon: daemon, serverPublicKey: server.publicKey, admin: admin, gateway: gateway))
      })
  }

  @Test func anAdminKeyReceivesTheFeed() throws {
    try withSecuredFeed { secured in
      let client = try ChannelCastClient(
        endpoint: secured.daemon.configuration.commandEndpoint, context: secured.daemon.context,
        curve: secured.credentials(secured.admin))
      let (feed, last) = try secured.daemon.eventSubscriber(
        curve: secured.credentials(secured.admin), client: client)
      try client.createChannel("@TOA#_secured")
      let event = try #require(feed.receive(1).first)
      #expect(event.type == "officialAccountCreated")
      #expect(event.logSeq == last + 1)
    }
  }

  @Test func aGatewayKeyIsRefused() throws {
    try withSecuredFeed { secured in
      let feed = try EventFeedSubscriber(
        endpoint: secured.daemon.configuration.eventsEndpoint, context: secured.daemon.context,
        curve: secured.credentials(secured.gateway))
      #expect(throws: ClientError.self) {
        for _ in 0..<50 { _ = try feed.receive(timeoutMilliseconds: 100) }
      }
    }
  }

  @Test func aFeedOtherMachinesCanReachNeedsCurve() {
    var configuration = DaemonConfiguration()
    configuration.eventsEndpoint = "tcp://0.0.0.0:7703"
    #expect(throws: ConfigurationError.self) { try configuration.validateSecurity() }
    do {
      try configuration.validateSecurity()
    } catch {
      #expect(error.key == "eventsEndpoint")
    }
    configuration.allowInsecure = true
    #expect(throws: Never.self) { try configuration.validateSecurity() }
  }
}
