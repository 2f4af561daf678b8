import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Synchronization
import ZeroMQ

/// A gateway stand-in on the gateway socket: a DEALER on its own thread that says hello,
/// attaches its users, then receives batches as fast as it can and counts their recipients,
/// handing each batch's recipients frame to an inspector.
///
/// The socket is made and used only on the counter's thread; other threads read the counters.
final class GatewayCounter: DeliveryCounting, Sendable {
  /// What to do with each batch, on the counter's thread: its recipients frame (userID and NUL,
  /// each), how many recipients it holds, its envelope, and its arrival (monotonic nanoseconds).
  typealias Inspector =
    @Sendable (
      _ recipients: UnsafeRawBufferPointer, _ count: Int, _ envelope: UnsafeRawBufferPointer,
      _ arrivalNanoseconds: UInt64
    ) -> Void

  private let received = Atomic<Int>(0)
  private let batches = Atomic<Int>(0)
  private let lastArrival = Atomic<UInt64>(0)
  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  private let failure = Mutex<String?>(nil)

  /// Connects to `endpoint` (over CURVE with `curve`), says hello as `gatewayID`, attaches
  /// `users` in requests of 10,000, and starts counting. Returns once the attach is answered.
  init(
    endpoint: String, context: ZMQContext, gatewayID: String, users: [String],
    curve: CurveClientCredentials?, inspect: @escaping Inspector
  ) throws {
    let ready = DispatchSemaphore(value: 0)
    let thread = Thread { [self] in
      defer { finished.signal() }
      do {
        let socket = try Socket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.setOption(.linger, 0)
        // A gateway of many users reads as fast as it can and drops nothing itself.
        try socket.setOption(.receiveHighWaterMark, 0)
        try socket.setOption(.receiveTimeout, 100)
        try curve?.setKeys(of: socket)
        try socket.connect(endpoint)
        var buffer = MultipartBuffer()
        try Self.call(
          #"{"op":"hello","id":0,"gatewayID":"\#(gatewayID)","protocolVersion":1}"#,
          on: socket, buffer: &buffer)
        try Self.attach(users, on: socket, buffer: &buffer)
        ready.signal()
        try count(from: socket, buffer: &buffer, inspect: inspect)
      } catch {
        failure.withLock { $0 = "\(error)" }
        ready.signal()
      }
    }
    thread.name = "bench.gateway"
    thread.start()
    ready.wait()
    if let failure = failure.withLock({ $0 }) { throw BenchmarkError("gateway: \(failure)") }
  }

  /// Recipients counted since the last reset.
  var count: Int { received.load(ordering: .acquiring) }
  /// Batches counted since the last reset.
  var batchCount: Int { batches.load(ordering: .acquiring) }
  var lastArrivalNanoseconds: UInt64 { lastArrival.load(ordering: .acquiring) }

  func reset() {
    received.store(0, ordering: .releasing)
    batches.store(0, ordering: .releasing)
    lastArrival.store(0, ordering: .releasing)
  }

  func checkRunning() throws {
    if let failure = failure.withLock({ $0 }) { throw BenchmarkError("gateway: \(failure)") }
  }

  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }

  deinit {
    stopRequested.store(true, ordering: .relaxed)
  }

  /// Attaches `users`, 10,000 per request, one request at a time.
  static func attach(_ users: [String], on socket: Socket, buffer: inout MultipartBuffer) throws {
    for start in stride(from: 0, to: users.count, by: GatewayProtocol.usersPerRequest) {
      var list = JSONArrayWriter(reservingCapacity: GatewayProtocol.usersPerRequest * 12)
      for user in users[start..<min(start + GatewayProtocol.usersPerRequest, users.count)] {
        list.append(user)
      }
      var request = JSONObjectWriter()
      request.add("op", "attach")
      request.add("id", start + 1)
      request.add("userIDList", array: list)
      try call(request.finished(), on: socket, buffer: &buffer)
    }
  }

  /// Sends a request and waits up to 30 s for its reply (a gateway gets no batch before its
  /// users are attached).
  static func call(_ request: String, on socket: Socket, buffer: inout MultipartBuffer) throws {
    try call(Array(request.utf8), on: socket, buffer: &buffer)
  }

  static func call(_ request: [UInt8], on socket: Socket, buffer: inout MultipartBuffer) throws {
    try socket.send([], more: true)
    try socket.send(request)
    let deadline = Deadline("gateway reply", seconds: 30)
    while true {
      try deadline.check()
      guard try receive(into: &buffer, from: socket) else { continue }
      guard buffer.count == 2 else { continue }  // a batch for an earlier attach
      let reply = try JSONParser.parseObject(buffer[1])
      guard reply["ok"]?.boolValue == true else {
        throw BenchmarkError(
          "gateway request refused: \(String(decoding: buffer[1], as: UTF8.self))")
      }
      return
    }
  }

  /// Receives one message; false when the receive timeout expired.
  private static func receive(into buffer: inout MultipartBuffer, from socket: Socket) throws
    -> Bool
  {
    do {
      return try socket.receiveMultipart(into: &buffer, maxFrames: 3)
    } catch let error where error.isWouldBlock {
      return false
    }
  }

  private func count(from socket: Socket, buffer: inout MultipartBuffer, inspect: Inspector)
    throws
  {
    while !stopRequested.load(ordering: .relaxed) {
      guard try Self.receive(into: &buffer, from: socket), buffer.count == 3 else { continue }
      let now = MonotonicClock.nanoseconds()
      let recipientsFrame = buffer[2]
      let envelopeFrame = buffer[1]
      let recipients = recipientsFrame.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
      recipientsFrame.withUnsafeBytes { recipientBytes in
        envelopeFrame.withUnsafeBytes { envelope in
          inspect(recipientBytes, recipients, envelope, now)
        }
      }
      lastArrival.store(now, ordering: .relaxed)
      batches.add(1, ordering: .relaxed)
      received.add(recipients, ordering: .releasing)
    }
  }
}

/// Gateway stand-ins sharing users u0 ... uN-1: gateway k attaches each user i with
/// i % gateways == k.
final class GatewayGroup: DeliveryCounting {
  let counters: [GatewayCounter]

  init(
    gateways: Int, users: Int, endpoint: String, context: ZMQContext,
    curve: CurveClientCredentials?, inspect: @escaping GatewayCounter.Inspector
  ) throws {
    var counters: [GatewayCounter] = []
    do {
      for gateway in 0..<gateways {
        let share = stride(from: gateway, to: users, by: gateways).map(RecipientSet.userID)
        counters.append(
          try GatewayCounter(
            endpoint: endpoint, context: context, gatewayID: "bench-gw-\(gateway)", users: share,
            curve: curve, inspect: inspect))
      }
    } catch {
      for counter in counters { counter.stop() }
      throw error
    }
    self.counters = counters
  }

  var count: Int { counters.reduce(0) { $0 + $1.count } }
  var batchCount: Int { counters.reduce(0) { $0 + $1.batchCount } }
  var lastArrivalNanoseconds: UInt64 { counters.map(\.lastArrivalNanoseconds).max() ?? 0 }

  func checkRunning() throws {
    for counter in counters { try counter.checkRunning() }
  }

  func reset() {
    for counter in counters { counter.reset() }
  }

  func stop() {
    for counter in counters { counter.stop() }
  }
}
