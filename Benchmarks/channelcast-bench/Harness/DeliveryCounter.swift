import ChannelCastClient
import Foundation
import Synchronization
import ZeroMQ

/// A gateway stand-in: a SUB socket on its own thread that receives deliveries as fast as it can
/// and counts them, with the arrival times of the first and last.
///
/// The socket is made and used only on the counter's thread; other threads read the counters.
final class DeliveryCounter: DeliveryCounting, Sendable {
  /// What to do with each delivery, on the counter's thread: topic and envelope bytes, and the
  /// monotonic nanoseconds of its arrival (read once per delivery: the clock costs as much as
  /// the rest of a light inspector).
  typealias Inspector =
    @Sendable (
      _ topic: UnsafeRawBufferPointer, _ envelope: UnsafeRawBufferPointer,
      _ arrivalNanoseconds: UInt64
    ) -> Void

  private let received = Atomic<Int>(0)
  private let firstArrival = Atomic<UInt64>(0)
  private let lastArrival = Atomic<UInt64>(0)
  private let connected = Atomic<UInt64>(0)
  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  private let failure = Mutex<String?>(nil)

  /// Connects to `endpoint`, over CURVE with `curve`, subscribes to `topics` (prefixes of the
  /// deliveries' first frame; the default, the empty prefix, is every delivery) and starts
  /// counting. `receiveBufferBytes` sets the kernel receive buffer of a tcp:// connection (0:
  /// the OS's).
  init(
    endpoint: String, context: ZMQContext, topics: [[UInt8]] = [[]],
    curve: CurveClientCredentials? = nil, receiveHighWaterMark: Int32 = 10_000,
    receiveBufferBytes: Int32 = 0, inspect: Inspector? = nil
  ) throws {
    let ready = DispatchSemaphore(value: 0)
    let thread = Thread { [self] in
      defer { finished.signal() }
      do {
        let socket = try Socket(context: context, type: .sub)
        defer { socket.close() }
        try socket.setOption(.linger, 0)
        try socket.setOption(.receiveHighWaterMark, receiveHighWaterMark)
        if receiveBufferBytes > 0 { try socket.setOption(.receiveBufferSize, receiveBufferBytes) }
        try socket.setOption(.receiveTimeout, 100)
        // A SUB's subscriptions reach the publisher as messages on its outgoing pipe, which
        // ZMQ_SNDHWM bounds (1000 by default): at connect, libzmq silently drops those past
        // it, and a gateway's per-user topics would be cut at the 1000th.
        try socket.setOption(.sendHighWaterMark, 0)
        try curve?.setKeys(of: socket)
        for topic in topics { try socket.subscribe(topic) }
        try socket.connect(endpoint)
        connected.store(MonotonicClock.nanoseconds(), ordering: .releasing)
        ready.signal()
        try count(from: socket, inspect: inspect)
      } catch {
        failure.withLock { $0 = "\(error)" }
        ready.signal()
      }
    }
    thread.name = "bench.delivery-counter"
    thread.start()
    ready.wait()
    if let failure = failure.withLock({ $0 }) { throw BenchmarkError("consumer: \(failure)") }
  }

  var count: Int { received.load(ordering: .acquiring) }

  /// Monotonic nanoseconds when the socket connected, its subscriptions made.
  var connectedNanoseconds: UInt64 { connected.load(ordering: .acquiring) }

  /// Monotonic nanoseconds of the first and last delivery since the last `reset()`.
  var firstArrivalNanoseconds: UInt64 { firstArrival.load(ordering: .acquiring) }
  var lastArrivalNanoseconds: UInt64 { lastArrival.load(ordering: .acquiring) }

  /// Forgets what was counted so far (call only while nothing is arriving).
  func reset() {
    received.store(0, ordering: .releasing)
    firstArrival.store(0, ordering: .releasing)
    lastArrival.store(0, ordering: .releasing)
  }

  func checkRunning() throws {
    if let failure = failure.withLock({ $0 }) { throw BenchmarkError("consumer: \(failure)") }
  }

  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }

  deinit {
    stopRequested.store(true, ordering: .relaxed)
  }

  /// One frame, or nil when the receive timeout expired.
  private static func receive(into buffer: UnsafeMutableRawBufferPointer, from socket: Socket)
    throws(ZMQError) -> Int?
  {
    do {
      return try socket.receive(into: buffer)
    } catch {
      if error.isWouldBlock { return nil }
      throw error
    }
  }

  private func count(from socket: Socket, inspect: Inspector?) throws {
    let topic = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 1)
    let envelope = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    defer {
      topic.deallocate()
      envelope.deallocate()
    }
    while !stopRequested.load(ordering: .relaxed) {
      // nil on the receive timeout: look at the stop flag again.
      guard let topicSize = try Self.receive(into: topic, from: socket) else { continue }
      // A delivery's second frame arrives with its first.
      let envelopeSize = try socket.receive(into: envelope) ?? 0
      let now = MonotonicClock.nanoseconds()
      if received.load(ordering: .relaxed) == 0 { firstArrival.store(now, ordering: .relaxed) }
      lastArrival.store(now, ordering: .relaxed)
      inspect?(
        UnsafeRawBufferPointer(rebasing: topic.prefix(min(topicSize, topic.count))),
        UnsafeRawBufferPointer(rebasing: envelope.prefix(min(envelopeSize, envelope.count))), now)
      received.add(1, ordering: .releasing)
    }
  }
}
