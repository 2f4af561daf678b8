import Testing
import ZeroMQ

@Suite("Back-pressure with ZMQ_XPUB_NODROP")
struct BackPressureTests {
  @Test func fullXpubRefusesInsteadOfDroppingAndLosesNothing() throws {
    try withIPCDirectory { directory in
      let context = try ZMQContext()
      let (publisher, subscriber) = try connectedNoDropPair(context, directory.endpoint("xpub"))

      // Nobody reads: sends succeed until the high-water mark, then report "would block".
      var sent = 0
      while try publisher.send(message(sequence: sent), dontWait: true) {
        sent += 1
        try #require(sent < 100_000, "the publisher never pushed back")
      }
      let sentBeforeFull = sent

      // The subscriber reads; the publisher retries whenever it was refused.
      let total = sentBeforeFull + 200
      var sequences: [Int] = []
      let deadline = ContinuousClock.now + .seconds(10)
      while sequences.count < total {
        try #require(ContinuousClock.now < deadline, "stalled at \(sent) sent")
        if sent < total, try publisher.send(message(sequence: sent), dontWait: true) {
          sent += 1
        } else if let frame = try subscriber.receiveFrame(dontWait: true) {
          sequences.append(frame.bytes.prefix(8).reduce(0) { $0 << 8 | Int($1) })
        } else {
          // Refused, and nothing has arrived yet: the publisher learns that the subscriber has
          // caught up only when it next processes libzmq's internal commands, which a send does
          // at most about once a millisecond. So pause before retrying.
          _ = try Poller.poll([(subscriber, .readable)], timeoutMilliseconds: 1)
        }
      }

      #expect(sentBeforeFull > 0)
      #expect(sequences == Array(0..<total))
    }
  }

  /// An XPUB with ZMQ_XPUB_NODROP and a high-water mark of 10 each side, and a subscriber to
  /// everything whose subscription has already arrived, so nothing is filtered or dropped.
  private func connectedNoDropPair(
    _ context: ZMQContext, _ endpoint: String
  ) throws -> (publisher: Socket, subscriber: Socket) {
    let publisher = try makeSocket(context, .xpub)
    let subscriber = try makeSocket(context, .sub)
    try publisher.setOption(.xpubNoDrop, true)
    try publisher.setOption(.sendHighWaterMark, 10)
    try subscriber.setOption(.receiveHighWaterMark, 10)
    try publisher.bind(endpoint)
    try subscriber.connect(publisher.lastEndpoint)
    try subscriber.subscribe("")
    #expect(try publisher.receiveFrame()?.bytes == [1])  // The subscription to everything.
    return (publisher, subscriber)
  }

  /// A big-endian sequence number padded to 16 KiB: large enough that the kernel's socket
  /// buffers fill after a few dozen messages even if libzmq's I/O thread drains its queue.
  private func message(sequence: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt64(sequence).bigEndian) { Array($0) }
      + [UInt8](repeating: 0, count: 16_384)
  }
}
