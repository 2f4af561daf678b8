import Foundation
import Testing
import ZeroMQ

@Suite("Receiving multipart messages")
struct ReceiveMultipartTests {
  @Test func framesBeyondTheLimitAreDiscardedAndReported() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    let push = try makeSocket(context, .push)
    try pull.bind("tcp://127.0.0.1:*")
    try push.connect(pull.lastEndpoint)

    try push.sendMultipart((1...5).map { [UInt8($0)] })
    try push.sendMultipart([[6], [7]])

    let long = try #require(try pull.receiveMultipart(maxFrames: 3))
    #expect(long.frames == [[1], [2], [3]])
    #expect(long.truncated)

    // The discarded frames are gone: the next message starts cleanly.
    let short = try #require(try pull.receiveMultipart(maxFrames: 3))
    #expect(short.frames == [[6], [7]])
    #expect(!short.truncated)
  }

  @Test func aReusedBufferHoldsEachMessageInTurn() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    let push = try makeSocket(context, .push)
    try pull.bind("tcp://127.0.0.1:*")
    try push.connect(pull.lastEndpoint)

    try push.sendMultipart([[1], [], Array(repeating: 9, count: 100), [4], [5]])
    try push.sendMultipart([[6], [7]])

    var buffer = MultipartBuffer()
    #expect(try pull.receiveMultipart(into: &buffer, maxFrames: 3))
    #expect(
      (0..<buffer.count).map { Array(buffer[$0]) } == [[1], [], Array(repeating: 9, count: 100)])
    #expect(buffer.truncated)

    #expect(try pull.receiveMultipart(into: &buffer, maxFrames: 3))
    #expect((0..<buffer.count).map { Array(buffer[$0]) } == [[6], [7]])
    #expect(!buffer.truncated)

    #expect(try !pull.receiveMultipart(into: &buffer, maxFrames: 3, dontWait: true))
    #expect(buffer.count == 2)  // unchanged when nothing was waiting
  }

  @Test func nothingWaitingGivesNilWithoutBlocking() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    try pull.bind("tcp://127.0.0.1:*")
    #expect(try pull.receiveMultipart(dontWait: true) == nil)
    #expect(try pull.receiveMultipart(maxFrames: 1, dontWait: true) == nil)
    #expect(try pull.receiveFrame(dontWait: true) == nil)
  }

  @Test func largeAndEmptyFramesSurviveTheTrip() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    let push = try makeSocket(context, .push)
    try pull.bind("tcp://127.0.0.1:*")
    try push.connect(pull.lastEndpoint)

    // 33 bytes and less live inside zmq_msg_t; larger frames are allocated by libzmq.
    let large = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
    try push.sendMultipart([[], Array(large.prefix(33)), large])
    #expect(try pull.receiveMultipart() == [[], Array(large.prefix(33)), large])
  }
}

@Suite struct ReceiveIntoBufferTests {
  @Test func receivesFramesIntoABufferAndReportsTheirFullSize() throws {
    try withConnectedPair { sender, receiver in
      try sender.send("hello", more: true)
      try sender.send("a longer frame")
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
      defer { buffer.deallocate() }
      #expect(try receiver.receive(into: buffer) == 5)
      #expect(Array(buffer.prefix(5)) == bytes("hello"))
      #expect(try receiver.receive(into: buffer) == 14)  // truncated to the buffer's 8 bytes
      #expect(Array(buffer) == bytes("a longer"))
      #expect(try receiver.receive(into: buffer, dontWait: true) == nil)
    }
  }
}

@Suite struct ZeroCopySendTests {
  final class Owner {
    let bytes: UnsafeMutableRawBufferPointer
    init(_ text: String) {
      bytes = .allocate(byteCount: text.utf8.count, alignment: 1)
      bytes.copyBytes(from: text.utf8)
    }
    deinit { bytes.deallocate() }
  }

  @Test func sendsABufferInPlaceAndReleasesItsOwnerWhenDone() throws {
    try withConnectedPair { sender, receiver in
      weak var released: Owner?
      do {
        let owner = Owner("a shared envelope, sent twice")
        released = owner
        for _ in 0..<2 {
          try sender.send(sharing: UnsafeRawBufferPointer(owner.bytes), owner: owner)
        }
      }
      for _ in 0..<2 {
        #expect(try receiver.receiveFrame()?.bytes == bytes("a shared envelope, sent twice"))
      }
      // libzmq releases the owner on its I/O thread once both frames are through.
      for _ in 0..<100 where released != nil { usleep(10_000) }
      #expect(released == nil)
    }
  }
}

/// Runs `body` with two connected PAIR sockets on an ipc:// endpoint of their own.
private func withConnectedPair(_ body: (_ sender: Socket, _ receiver: Socket) throws -> Void)
  throws
{
  let context = try ZMQContext()
  try withIPCDirectory { directory in
    let receiver = try makeSocket(context, .pair)
    let sender = try makeSocket(context, .pair)
    defer {
      receiver.close()
      sender.close()
    }
    try receiver.bind(directory.endpoint("pair"))
    try sender.connect(directory.endpoint("pair"))
    try body(sender, receiver)
  }
}
