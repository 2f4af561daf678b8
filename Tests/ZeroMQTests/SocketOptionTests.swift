import Testing
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Socket options")
struct SocketOptionTests {
  @Test func integerOptionsRoundTrip() throws {
    let context = try ZMQContext()
    let socket = try Socket(context: context, type: .dealer)
    try socket.setOption(.linger, 250)
    try socket.setOption(.sendHighWaterMark, 77)
    try socket.setOption(.receiveHighWaterMark, 88)
    try socket.setOption(.receiveTimeout, 1_234)
    try socket.setOption(.sendBufferSize, 65_536)
    try socket.setOption(.receiveBufferSize, 32_768)
    #expect(try socket.option(.linger) == 250)
    #expect(try socket.option(.sendHighWaterMark) == 77)
    #expect(try socket.option(.receiveHighWaterMark) == 88)
    #expect(try socket.option(.receiveTimeout) == 1_234)
    #expect(try socket.option(.sendBufferSize) == 65_536)
    #expect(try socket.option(.receiveBufferSize) == 32_768)
    try socket.setOption(.linger, 0)
  }

  @Test func maxMessageSizeIsA64BitInteger() throws {
    let context = try ZMQContext()
    let socket = try makeSocket(context, .sub)
    let beyondInt32: Int64 = 1 << 40
    try socket.setOption(.maxMessageSize, beyondInt32)
    #expect(try socket.option(.maxMessageSize) == beyondInt32)
  }

  @Test func booleanAndBinaryOptionsRoundTrip() throws {
    let context = try ZMQContext()
    let router = try makeSocket(context, .router)
    try router.setOption(.routerMandatory, true)  // Write-only in libzmq 4.3.
    try router.setOption(.immediate, true)
    #expect(try router.option(.immediate) == true)
    try router.setOption(.routingID, bytes("router-7"))
    #expect(try router.option(.routingID) == bytes("router-7"))

    let publisher = try makeSocket(context, .xpub)
    try publisher.setOption(.xpubNoDrop, true)  // Write-only too.
    try publisher.setOption(.ipv6, true)
    #expect(try publisher.option(.ipv6) == true)
  }

  @Test func routerMandatoryMakesAnUnknownPeerAnError() throws {
    let context = try ZMQContext()
    let router = try makeSocket(context, .router)
    try router.setOption(.routerMandatory, true)
    let error = #expect(throws: ZMQError.self) {
      try router.sendMultipart([bytes("nobody"), bytes("hello")])
    }
    #expect(error?.code == EHOSTUNREACH)
  }

  @Test func eventsTellWhetherASendWouldBlock() throws {
    let context = try ZMQContext()
    let left = try makeSocket(context, .pair)
    let right = try makeSocket(context, .pair)
    #expect(try left.option(.fileDescriptor) >= 0)
    let eventsBeforePeer = PollEvents(rawValue: Int16(try left.option(.events)))
    #expect(!eventsBeforePeer.contains(.writable))

    try right.bind("inproc://pair")
    try left.connect("inproc://pair")
    let eventsWithPeer = PollEvents(rawValue: Int16(try left.option(.events)))
    #expect(eventsWithPeer.contains(.writable))
  }
}
