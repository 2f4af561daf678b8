import Testing
import ZeroMQ

@Suite("Library facts and CURVE")
struct LibraryAndCurveTests {
  private static let z85Alphabet = Set(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

  @Test func versionIsFour() {
    #expect(ZeroMQLibrary.version.major == 4)
  }

  @Test func curveIsAvailable() {
    #expect(ZeroMQLibrary.has("curve"))
    #expect(!ZeroMQLibrary.has("no-such-capability"))
  }

  @Test func curveKeyPairIsTwoZ85Keys() throws {
    let keys = try ZeroMQLibrary.curveKeyPair()
    #expect(keys.publicKey.count == 40)
    #expect(keys.secretKey.count == 40)
    #expect(keys.publicKey != keys.secretKey)
    #expect(keys.publicKey.allSatisfy(Self.z85Alphabet.contains))
    #expect(keys.secretKey.allSatisfy(Self.z85Alphabet.contains))
  }

  @Test func curveEncryptedRoundTrip() throws {
    let serverKeys = try ZeroMQLibrary.curveKeyPair()
    let clientKeys = try ZeroMQLibrary.curveKeyPair()
    let context = try ZMQContext()
    let server = try makeSocket(context, .rep)
    try server.setOption(.curveServer, true)
    try server.setOption(.curveSecretKey, serverKeys.secretKey)
    try server.bind("tcp://127.0.0.1:*")

    let client = try makeSocket(context, .req)
    try client.setOption(.curveServerKey, serverKeys.publicKey)
    try client.setOption(.curvePublicKey, clientKeys.publicKey)
    try client.setOption(.curveSecretKey, clientKeys.secretKey)
    #expect(try client.option(.curvePublicKey) == clientKeys.publicKey)
    try client.connect(server.lastEndpoint)

    try client.send("secret")
    #expect(try server.receiveMultipart() == [bytes("secret")])
    try server.send("kept")
    #expect(try client.receiveMultipart() == [bytes("kept")])
  }

  @Test func lastEndpointHasTheChosenPort() throws {
    let context = try ZMQContext()
    let socket = try makeSocket(context, .pub)
    try socket.bind("tcp://127.0.0.1:*")
    let endpoint = try socket.lastEndpoint
    #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
    #expect(Int(endpoint.dropFirst("tcp://127.0.0.1:".count)) != nil)
  }
}
