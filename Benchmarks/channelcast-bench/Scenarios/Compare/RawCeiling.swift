import Foundation
import ZeroMQ

/// The raw ceiling of `compare`: one thread sending pre-built two-frame messages through the
/// project's `ZeroMQ` module to one SUB (the harness's `DeliveryCounter`), nothing else.
/// channelcastd cannot deliver faster than libzmq moves bytes, so this is the figure its
/// megacast rate is judged against.
///
/// The sender is the calling thread: it makes, uses and closes the socket, which never leaves it.
struct RawCeiling {
  /// The two ways a publisher can keep every message for a fast subscriber.
  enum Configuration: CaseIterable {
    /// PUB with SNDHWM = RCVHWM = 0: nothing dropped, memory unbounded.
    case unboundedPub
    /// XPUB with `ZMQ_XPUB_NODROP` and SNDHWM = RCVHWM = 10,000: blocking sends, as the daemon.
    case boundedXPubNoDrop
    /// The same, with the envelope sent in place from one shared buffer (`zmq_msg_init_data`),
    /// as the daemon sends a broadcast's envelope; only the topic is copied.
    case boundedXPubNoDropSharedEnvelope

    var highWaterMark: Int32 { self == .unboundedPub ? 0 : 10_000 }
    var isXPub: Bool { self != .unboundedPub }

    var label: String {
      switch self {
      case .unboundedPub: "raw ZeroMQ: PUB, SNDHWM = RCVHWM = 0"
      case .boundedXPubNoDrop: "raw ZeroMQ: XPUB + XPUB_NODROP, SNDHWM = RCVHWM = 10,000"
      case .boundedXPubNoDropSharedEnvelope:
        "raw ZeroMQ: XPUB + XPUB_NODROP, HWM 10,000, zero-copy shared envelope"
      }
    }
  }

  let messages: ComparisonMessages
  let transport: Transport
  let runs: Int
  let timeoutSeconds: Double

  /// Deliveries per second of each run, from the first send to the last receive.
  func measure(_ configuration: Configuration) throws -> [Double] {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-compare-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let endpoint: String
    switch transport {
    case .ipc:
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      endpoint = "ipc://\(folder.path)/raw"
    case .tcp:
      endpoint = "tcp://127.0.0.1:*"
    }
    // Two contexts, so sender and consumer each have their own I/O thread as with the daemon,
    // which runs in another process.
    let senderContext = try ZMQContext()
    let consumerContext = try ZMQContext()
    let socket = try Socket(
      context: senderContext, type: configuration == .unboundedPub ? .pub : .xpub)
    defer { socket.close() }
    try socket.setOption(.linger, 0)
    try socket.setOption(.sendHighWaterMark, configuration.highWaterMark)
    if configuration.isXPub {
      try socket.setOption(.xpubNoDrop, true)
      // A bounded blocking send: libzmq wakes it when the consumer reads; the timeout only lets
      // the loop look at its deadline.
      try socket.setOption(.sendTimeout, 100)
      try socket.setOption(.receiveTimeout, 100)
    }
    try socket.bind(endpoint)

    let recipients = RecipientSet(size: messages.count)
    let counter = try DeliveryCounter(
      endpoint: try socket.lastEndpoint, context: consumerContext,
      receiveHighWaterMark: configuration.highWaterMark
    ) { topic, _, _ in recipients.mark(topic: topic) }
    defer { counter.stop() }
    let connection = Deadline("raw consumer connection", seconds: 30)
    if configuration.isXPub {
      try waitForSubscription(on: socket, deadline: connection)
    } else {
      try sendProbesUntilReceived(on: socket, counter: counter, deadline: connection)
    }

    var rates: [Double] = []
    for _ in 0..<runs {
      counter.reset()
      recipients.reset()
      let run = Deadline("raw ceiling run", seconds: timeoutSeconds)
      let start = MonotonicClock.nanoseconds()
      try sendAll(
        on: socket, sharingEnvelope: configuration == .boundedXPubNoDropSharedEnvelope,
        deadline: run)
      try counter.wait(forCount: messages.count, deadline: run)
      let last = counter.lastArrivalNanoseconds
      try counter.waitForQuiet(deadline: Deadline("quiet after the raw run", seconds: 30))
      try recipients.checkComplete(received: counter.count, system: "raw ceiling")
      rates.append(Double(messages.count) / (Double(last - start) / 1e9))
    }
    return rates
  }

  private func sendAll(on socket: Socket, sharingEnvelope: Bool, deadline: Deadline) throws {
    let shared = SharedEnvelope(messages.envelope)
    for number in 0..<messages.count {
      try send(messages.topic(number), more: true, on: socket, deadline: deadline)
      if sharingEnvelope {
        try retrying(deadline) { () throws(ZMQError) in
          try socket.send(sharing: shared.buffer, owner: shared)
        }
      } else {
        try send(shared.buffer, more: false, on: socket, deadline: deadline)
      }
    }
  }

  /// The envelope in a buffer of its own that libzmq can hold on to.
  private final class SharedEnvelope {
    let buffer: UnsafeRawBufferPointer
    init(_ bytes: [UInt8]) {
      let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
      storage.copyBytes(from: bytes)
      buffer = UnsafeRawBufferPointer(storage)
    }
    deinit { buffer.deallocate() }
  }

  private func retrying(_ deadline: Deadline, _ send: () throws(ZMQError) -> Bool) throws {
    while true {
      do {
        _ = try send()
        return
      } catch {
        guard error.isWouldBlock || error.isInterrupted else { throw error }
        try deadline.check()
      }
    }
  }

  /// Sends one frame; a send refused at the high-water mark is retried blocking (see
  /// ZEROMQ-NOTES: polling reports an XPUB writable at once and would spin).
  private func send(
    _ frame: UnsafeRawBufferPointer, more: Bool, on socket: Socket, deadline: Deadline
  ) throws {
    // Swift 6.3 crashes on `catch let error where ...` that lets the rest propagate here.
    try retrying(deadline) { () throws(ZMQError) in try socket.send(frame, more: more) }
  }

  /// An XPUB hands over the consumer's subscription (`0x01` + topic) once it is in place; from
  /// then on nothing sent is lost.
  private func waitForSubscription(on socket: Socket, deadline: Deadline) throws {
    while try !Self.receivedSubscription(on: socket) {
      try deadline.check()
    }
  }

  /// One receive of at most the receive timeout: was it a subscription message?
  private static func receivedSubscription(on socket: Socket) throws -> Bool {
    let frame: [UInt8]
    do {
      guard let received = try socket.receiveFrame() else { return false }
      frame = received.bytes
    } catch {
      // As in send: a `catch ... where` that lets the rest propagate crashes the compiler.
      guard error.isWouldBlock || error.isInterrupted else { throw error }
      return false
    }
    return frame.first == 1
  }

  /// A PUB tells nothing about its subscribers: send probes until the consumer counts one, then
  /// let the rest arrive and start from zero.
  private func sendProbesUntilReceived(
    on socket: Socket, counter: DeliveryCounter, deadline: Deadline
  ) throws {
    let probe = Array("probe".utf8) + [0]
    while counter.count == 0 {
      try deadline.check()
      try socket.send(probe, more: true)
      try socket.send(messages.envelope)
      usleep(10_000)
    }
    try counter.waitForQuiet(deadline: deadline)
    counter.reset()
  }
}
