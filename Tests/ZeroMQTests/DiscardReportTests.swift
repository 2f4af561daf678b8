import Testing
import ZeroMQ

/// `sendReportingDiscard`: an XPUB discards a frame no subscriber takes, and the sender learns
/// of it; a frame a subscriber takes is not reported.
@Suite struct DiscardReportTests {
  @Test func aFrameNoSubscriberTakesIsReportedAndOneThatArrivesIsNot() throws {
    try withIPCDirectory { directory in
      let context = try ZMQContext()
      let publisher = try makeSocket(context, .xpub)
      let subscriber = try makeSocket(context, .sub)
      try publisher.bind(directory.endpoint("xpub"))
      try subscriber.connect(publisher.lastEndpoint)
      try subscriber.subscribe("alice\0")
      #expect(try publisher.receiveFrame()?.bytes == [1] + Array("alice\0".utf8))

      let envelope = SharedBuffer(Array("the envelope".utf8))
      for (topic, expectDiscarded) in [("bob\0", true), ("alice\0", false), ("carol\0", true)] {
        try publisher.send(topic, more: true)
        let discarded = try publisher.sendReportingDiscard(
          sharing: envelope.buffer, owner: envelope)
        #expect(discarded == expectDiscarded, "\(topic)")
      }
      let frames = try subscriber.receiveMultipart()
      #expect(frames == [Array("alice\0".utf8), Array("the envelope".utf8)])
    }
  }
}

/// Bytes that outlive the frames sent from them. Never written after `init`.
private final class SharedBuffer {
  private let storage: UnsafeMutableRawBufferPointer

  init(_ bytes: [UInt8]) {
    storage = .allocate(byteCount: bytes.count, alignment: 1)
    storage.copyBytes(from: bytes)
  }

  var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

  deinit { storage.deallocate() }
}
