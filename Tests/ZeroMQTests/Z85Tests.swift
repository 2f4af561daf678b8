import Testing
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Z85 and CURVE public keys")
struct Z85Tests {
  /// The test vector of ZeroMQ RFC 32.
  private static let rfcBytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]

  @Test func encodesTheRFCVector() {
    #expect(Z85.encode(Self.rfcBytes) == "HelloWorld")
  }

  @Test func decodesTheRFCVector() {
    #expect(Z85.decode("HelloWorld") == Self.rfcBytes)
  }

  @Test func aKeyRoundTrips() throws {
    let key = try ZeroMQLibrary.curveKeyPair().publicKey
    let bytes = try #require(Z85.decode(key))
    #expect(bytes.count == 32)
    #expect(Z85.encode(bytes) == key)
  }

  @Test func encodingRefusesALengthThatIsNotAMultipleOfFour() {
    #expect(Z85.encode([1, 2, 3]) == nil)
  }

  /// Empty, a length that is not a multiple of 5, a space, a NUL, a non-ASCII character.
  @Test(arguments: ["", "HelloWorl", "Hello Worl", "Hel\u{0}oWorld", "HelloWörl"])
  func decodingRefusesWhatIsNotZ85(text: String) {
    #expect(Z85.decode(text) == nil)
  }

  @Test func thePublicKeyIsDerivedFromTheSecretKey() throws {
    let keys = try ZeroMQLibrary.curveKeyPair()
    #expect(try ZeroMQLibrary.curvePublicKey(secretKey: keys.secretKey) == keys.publicKey)
  }

  @Test(arguments: [
    "", "too short", String(repeating: "0", count: 45), String(repeating: " ", count: 40),
  ])
  func derivingRefusesASecretKeyThatIsNotAKey(secretKey: String) {
    let error = #expect(throws: ZMQError.self) {
      try ZeroMQLibrary.curvePublicKey(secretKey: secretKey)
    }
    #expect(error?.code == EINVAL)
  }
}
