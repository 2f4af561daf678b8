import Testing
import ZeroMQ

@Suite("ZAP authentication")
struct ZAPTests {
  /// A CURVE ROUTER with ZAP domain "test", a ZAP handler socket, and a client key pair the
  /// handler knows; each test answers the ZAP requests itself, on its own thread.
  struct SecuredRouter {
    let context: ZMQContext
    let handler: Socket
    let router: Socket
    let serverKeys: (publicKey: String, secretKey: String)

    init() throws {
      context = try ZMQContext()
      handler = try makeSocket(context, .rep)
      try handler.bind(ZAP.endpoint)
      serverKeys = try ZeroMQLibrary.curveKeyPair()
      router = try makeSocket(context, .router)
      try router.setOption(.curveServer, true)
      try router.setOption(.curveSecretKey, serverKeys.secretKey)
      try router.setOption(.zapDomain, "test")
      try router.bind("tcp://127.0.0.1:*")
    }

    func client(_ keys: (publicKey: String, secretKey: String)) throws -> Socket {
      let client = try makeSocket(context, .dealer)
      try client.setOption(.curveServerKey, serverKeys.publicKey)
      try client.setOption(.curvePublicKey, keys.publicKey)
      try client.setOption(.curveSecretKey, keys.secretKey)
      try client.connect(router.lastEndpoint)
      return client
    }

    /// Reads the next ZAP request and answers it with `decide`'s decision.
    func answer(_ decide: (ZAP.Request) -> ZAP.Decision) throws -> ZAP.Request {
      let frames = try #require(try handler.receiveMultipart())
      let request = try #require(ZAP.Request(frames: frames))
      #expect(try handler.sendMultipart(ZAP.reply(to: request, decide(request))))
      return request
    }
  }

  @Test func anAllowedClientsMessagesCarryTheUserIDTheHandlerGave() throws {
    let server = try SecuredRouter()
    let clientKeys = try ZeroMQLibrary.curveKeyPair()
    let client = try server.client(clientKeys)
    try client.send([], more: true)
    try client.send("hello")

    let request = try server.answer { _ in .allow(userID: "alice-key") }
    #expect(request.domain == "test")
    #expect(request.mechanism == "CURVE")
    #expect(request.address == "127.0.0.1")
    #expect(request.curvePublicKey?.count == 32)

    var buffer = MultipartBuffer()
    buffer.readsUserID = true
    #expect(try server.router.receiveMultipart(into: &buffer, maxFrames: 4))
    #expect(buffer.count == 3)
    #expect(Array(buffer[2]) == Array("hello".utf8))
    #expect(buffer.userID == "alice-key")

    // Without asking, no property is read.
    try client.send([], more: true)
    try client.send("again")
    buffer.readsUserID = false
    #expect(try server.router.receiveMultipart(into: &buffer, maxFrames: 4))
    #expect(buffer.userID == nil)
  }

  @Test func aDeniedClientNeverReachesTheSocket() throws {
    let server = try SecuredRouter()
    let client = try server.client(try ZeroMQLibrary.curveKeyPair())
    try client.send([], more: true)
    try client.send("let me in")
    _ = try server.answer { _ in .deny(reason: "unknown key") }
    let ready = try Poller.poll([(server.router, .readable)], timeoutMilliseconds: 300)
    #expect(ready[0].isEmpty)
  }

  @Test func theReplyEchoesTheRequestAndSaysTheStatus() throws {
    let frames: [[UInt8]] = [
      Array("1.0".utf8), [7], Array("domain".utf8), Array("10.0.0.1".utf8), [1, 2],
      Array("CURVE".utf8), [UInt8](repeating: 9, count: 32),
    ]
    let request = try #require(ZAP.Request(frames: frames))
    #expect(request.curvePublicKey == [UInt8](repeating: 9, count: 32))
    #expect(
      ZAP.reply(to: request, .allow(userID: "u")) == [
        Array("1.0".utf8), [7], Array("200".utf8), Array("OK".utf8), Array("u".utf8), [],
      ])
    #expect(ZAP.reply(to: request, .deny(reason: "no"))[2] == Array("400".utf8))
    #expect(ZAP.Request(frames: Array(frames.prefix(5))) == nil)
    #expect(ZAP.Request(frames: [Array("2.0".utf8)] + frames.dropFirst()) == nil)
  }
}

extension ZAPTests {
  /// A poll makes a ROUTER read ahead and make up the routing ID frame without the
  /// connection's properties; the User-Id must come through all the same.
  @Test func theUserIDSurvivesAPollBeforeTheReceive() throws {
    let server = try SecuredRouter()
    let client = try server.client(try ZeroMQLibrary.curveKeyPair())
    try client.send([], more: true)
    try client.send("hello")
    _ = try server.answer { _ in .allow(userID: "polled") }
    let ready = try Poller.poll([(server.router, .readable)], timeoutMilliseconds: 5000)
    #expect(ready[0].contains(.readable))
    var buffer = MultipartBuffer()
    buffer.readsUserID = true
    #expect(try server.router.receiveMultipart(into: &buffer, maxFrames: 4))
    #expect(buffer.userID == "polled")
  }
}
