import ChannelCastClient
import ChannelCastKeys
import Testing
import ZeroMQ

/// The client and the consumer over CURVE, against server sockets made here as the daemon
/// makes them: `curveServer` with the server's secret key.
@Suite("CURVE clients")
struct CurveClientTests {
  private let context: ZMQContext
  private let serverKeys: CurveKeyPair
  private let clientKeys: CurveKeyPair

  init() throws {
    context = try ZMQContext()
    serverKeys = try CurveKeyPair.generate()
    clientKeys = try CurveKeyPair.generate()
  }

  @Test func aClientWithTheServersKeyGetsItsReply() throws {
    let server = try curveServer(.router)
    let client = try ChannelCastClient(
      endpoint: try server.lastEndpoint, context: context, timeoutMilliseconds: 5_000,
      curve: CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: clientKeys))

    try client.send(client.request(.ping))
    let request = try #require(try server.receiveMultipart())
    #expect(request.count == 3)
    try server.sendMultipart([request[0], [], Array(#"{"ok":true,"result":{},"id":1}"#.utf8)])

    #expect(try client.receiveReply().ok)
  }

  @Test func aWrongServerKeyFailsTheHandshakeInsteadOfWaiting() throws {
    let server = try curveServer(.router)
    let client = try ChannelCastClient(
      endpoint: try server.lastEndpoint, context: context, timeoutMilliseconds: 5_000,
      curve: CurveClientCredentials(
        serverPublicKey: try CurveKeyPair.generate().publicKey, keys: clientKeys))
    let started = ContinuousClock.now

    let error = #expect(throws: ClientError.self) { try client.call(.ping) }

    #expect(error == .handshakeFailed)
    #expect(ContinuousClock.now - started < .seconds(4))
  }

  @Test func aKeyTheServerRefusesIsReportedAsRefused() throws {
    // A ZAP handler in the server's context, as the daemon has, that refuses every key.
    let authenticator = try socket(.rep)
    try authenticator.bind("inproc://zeromq.zap.01")
    let server = try curveServer(.router)
    let client = try ChannelCastClient(
      endpoint: try server.lastEndpoint, context: context, timeoutMilliseconds: 5_000,
      curve: CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: clientKeys))

    try client.send(client.request(.ping))
    let zapRequest = try #require(try authenticator.receiveMultipart())
    #expect(zapRequest.count == 7)
    #expect(zapRequest[5] == Array("CURVE".utf8))
    #expect(Z85.encode(zapRequest[6]) == clientKeys.publicKey)
    try authenticator.sendMultipart([
      Array("1.0".utf8), zapRequest[1], Array("400".utf8), Array("unknown key".utf8), [], [],
    ])

    let error = #expect(throws: ClientError.self) { try client.receiveReply() }
    #expect(error == .keyRefused(status: 400))
    #expect(error?.description.contains("refused this client's key") == true)
  }

  @Test func aConsumerWithTheServersKeyReceivesDeliveries() throws {
    let publisher = try curveServer(.xpub)
    let consumer = try DeliveryConsumer(
      endpoint: try publisher.lastEndpoint, context: context, users: ["alice"],
      curve: CurveClientCredentials(serverPublicKey: serverKeys.publicKey, keys: clientKeys))

    // The subscription arrives once the handshake is done.
    #expect(try publisher.receiveMultipart() == [[1] + Array("alice".utf8) + [0]])
    try publisher.sendMultipart([Array("alice".utf8) + [0], Array(#"{"type":"message"}"#.utf8)])

    let delivery = try #require(try consumer.receive(timeoutMilliseconds: 5_000))
    #expect(delivery.userID == Array("alice".utf8))
    #expect(delivery.envelope == Array(#"{"type":"message"}"#.utf8))
  }

  @Test func aConsumerWithAWrongServerKeyFailsInsteadOfWaiting() throws {
    let publisher = try curveServer(.xpub)
    let consumer = try DeliveryConsumer(
      endpoint: try publisher.lastEndpoint, context: context,
      curve: CurveClientCredentials(
        serverPublicKey: try CurveKeyPair.generate().publicKey, keys: clientKeys))

    let error = #expect(throws: ClientError.self) {
      try consumer.receive(timeoutMilliseconds: 5_000)
    }
    #expect(error == .handshakeFailed)
  }

  /// A CURVE server socket with the server's keys, bound to a free local port.
  private func curveServer(_ type: SocketType) throws -> Socket {
    let server = try socket(type)
    try server.setOption(.curveServer, true)
    try server.setOption(.curveSecretKey, serverKeys.secretKey)
    try server.bind("tcp://127.0.0.1:*")
    return server
  }

  /// A socket that cannot hang the test: linger 0 and five-second send and receive timeouts.
  private func socket(_ type: SocketType) throws -> Socket {
    let socket = try Socket(context: context, type: type)
    try socket.setOption(.linger, 0)
    try socket.setOption(.receiveTimeout, 5_000)
    try socket.setOption(.sendTimeout, 5_000)
    return socket
  }
}
