import ChannelCastProtocol
import Foundation
import Synchronization
import ZeroMQ

/// A gateway's session with the daemon's gateway socket (docs/protocol.md, Gateway socket):
/// says `hello`, attaches and detaches users (in requests of at most 10,000), and receives the
/// batches of deliveries for them.
///
/// The daemon forgets a gateway's attachments when its connection ends. The session notices
/// when libzmq has connected again (a new handshake) and then says `hello` and attaches every
/// user it holds attached once more, before it returns the next batch; `reconnections` counts
/// those times. Batches sent while the connection was down are lost; the users catch up with
/// `getHistory`.
///
/// Ownership: not Sendable; its sockets belong to the thread that uses the session. Replies and
/// batches arrive on the same socket: a batch that arrives while a request waits for its reply
/// is kept for `nextBatch`. `batches(...)` runs a session on a thread of its own.
public final class GatewaySession {
  /// One batch: an envelope and the users of this gateway who receive it.
  public struct Batch: Sendable {
    /// The envelope, byte for byte what the per-user delivery carries.
    public let envelope: [UInt8]
    /// The recipients, in the order the daemon listed them.
    public let userIDs: [ByteString]
  }

  public let gatewayID: String
  /// The most users the daemon puts in one batch (from its `hello` reply).
  public private(set) var batchMaxUsers = 0
  /// How many times the session said `hello` again after libzmq reconnected.
  public private(set) var reconnections = 0
  /// The users this session holds attached (re-attached after a reconnection).
  public private(set) var attached: Set<String> = []

  private let socket: Socket
  /// The socket monitor's events: each handshake that succeeded (the second and later ones are
  /// reconnections) and, over CURVE, each that failed.
  private let handshakes: Socket
  private var handshakesSeen = 0
  /// Handshakes after the first not yet answered with a new hello.
  private var reconnectionsPending = 0
  private let timeoutMilliseconds: Int
  private var nextID = 0
  private var waitingBatches: [Batch] = []
  private var waitingBatchHead = 0
  private var received = MultipartBuffer()

  private static let monitorNumbers = Atomic<Int>(0)

  /// Connects to the gateway socket (over CURVE when `curve` is given) and says `hello` as
  /// `gatewayID`. A reply that takes longer than the timeout throws
  /// ``ClientError/timedOut(milliseconds:)``; a daemon that refuses throws
  /// ``GatewaySessionError/refused(_:)``.
  public init(
    endpoint: String, context: ZMQContext, gatewayID: String, timeoutMilliseconds: Int = 10_000,
    curve: CurveClientCredentials? = nil
  ) throws {
    self.gatewayID = gatewayID
    self.timeoutMilliseconds = timeoutMilliseconds
    socket = try Socket(context: context, type: .dealer)
    try socket.setOption(.linger, 0)
    // A gateway of many users must never have its batches dropped by its own queue.
    try socket.setOption(.receiveHighWaterMark, 0)
    try curve?.setKeys(of: socket)
    // One monitor per socket (a second would replace the first): it reports both the
    // reconnections and the failed CURVE handshakes.
    let number = Self.monitorNumbers.wrappingAdd(1, ordering: .relaxed).newValue
    let monitorEndpoint = "inproc://channelcast-gateway-session-\(number)"
    try socket.monitor(
      monitorEndpoint,
      kinds: [
        .handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedProtocol,
        .handshakeFailedNoDetail,
      ])
    handshakes = try Socket(context: context, type: .pair)
    try handshakes.setOption(.linger, 0)
    try handshakes.connect(monitorEndpoint)
    try socket.connect(endpoint)
    let result = try call("hello") {
      $0.add("gatewayID", gatewayID)
      $0.add("protocolVersion", GatewayProtocol.version)
    }
    batchMaxUsers = Int(result.objectMembers?["batchMaxUsers"]?.int64Value ?? 0)
  }

  deinit {
    handshakes.close()
    socket.close()
  }

  /// Attaches users at this gateway, 10,000 per request; returns how many were newly attached.
  @discardableResult
  public func attach(_ userIDs: [String]) throws -> Int {
    let count = try changeAttachments("attach", userIDs, resultKey: "attached")
    attached.formUnion(userIDs)
    return count
  }

  /// Detaches users; returns how many were attached here.
  @discardableResult
  public func detach(_ userIDs: [String]) throws -> Int {
    let count = try changeAttachments("detach", userIDs, resultKey: "detached")
    attached.subtract(userIDs)
    return count
  }

  /// Ends the session: the daemon drops all its attachments, then replies.
  public func bye() throws {
    _ = try call("bye") { _ in }
    attached.removeAll()
  }

  /// The next batch, waiting up to `timeoutMilliseconds` (-1: for good); nil when none came.
  public func nextBatch(timeoutMilliseconds: Int) throws -> Batch? {
    if let batch = takeWaitingBatch() { return batch }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(max(timeoutMilliseconds, 0)))
    while true {
      try sayHelloAgainAfterReconnecting()
      let remaining =
        timeoutMilliseconds < 0
        ? 100 : max(0, Int(clock.now.duration(to: deadline) / .milliseconds(1)))
      guard try receive(waitingMilliseconds: min(remaining, 100)) else {
        if timeoutMilliseconds >= 0 && remaining == 0 { return nil }
        continue
      }
      if let batch = takeWaitingBatch() { return batch }
    }
  }

  // MARK: Requests

  private func changeAttachments(_ op: String, _ userIDs: [String], resultKey: String) throws
    -> Int
  {
    var total = 0
    for start in stride(from: 0, to: userIDs.count, by: GatewayProtocol.usersPerRequest) {
      let chunk = userIDs[start..<min(start + GatewayProtocol.usersPerRequest, userIDs.count)]
      let result = try call(op) { request in
        var list = JSONArrayWriter()
        for userID in chunk { list.append(userID) }
        request.add("userIDList", array: list)
      }
      total += Int(result.objectMembers?[resultKey]?.int64Value ?? 0)
    }
    return total
  }

  /// Sends a request and returns its `result`, keeping the batches that arrive meanwhile.
  private func call(_ op: String, _ fill: (inout JSONObjectWriter) -> Void) throws
    -> JSONRawValue
  {
    let id = send(op, fill)
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(timeoutMilliseconds))
    while true {
      let remaining = Int(clock.now.duration(to: deadline) / .milliseconds(1))
      guard remaining > 0, try receive(waitingMilliseconds: remaining) else {
        throw ClientError.timedOut(milliseconds: timeoutMilliseconds)
      }
      guard received.count == 2 else { continue }  // a batch, kept by `receive`
      let reply = try ChannelCastClient.Reply(frame: Array(received[1]))
      guard reply.id?.int64Value == Int64(id) else { continue }  // a late reply to another
      guard reply.ok, let result = reply.result else {
        throw GatewaySessionError.refused(reply)
      }
      return result
    }
  }

  @discardableResult
  private func send(_ op: String, _ fill: (inout JSONObjectWriter) -> Void) -> Int {
    nextID += 1
    var request = JSONObjectWriter()
    request.add("op", op)
    request.add("id", nextID)
    fill(&request)
    // A DEALER queues what it cannot send yet; these never fail but for a closed context.
    _ = try? socket.send([], more: true)
    _ = try? socket.send(request.finished())
    return nextID
  }

  /// After libzmq reconnected, says hello and attaches the session's users again. The replies
  /// are not waited for: they arrive among the batches and are skipped.
  private func sayHelloAgainAfterReconnecting() throws {
    try readHandshakes()
    guard reconnectionsPending > 0 else { return }
    reconnectionsPending = 0
    reconnections += 1
    send("hello") {
      $0.add("gatewayID", gatewayID)
      $0.add("protocolVersion", GatewayProtocol.version)
    }
    let users = Array(attached)
    for start in stride(from: 0, to: users.count, by: GatewayProtocol.usersPerRequest) {
      let chunk = users[start..<min(start + GatewayProtocol.usersPerRequest, users.count)]
      send("attach") { request in
        var list = JSONArrayWriter()
        for userID in chunk { list.append(userID) }
        request.add("userIDList", array: list)
      }
    }
  }

  // MARK: Receiving

  /// Receives one message, waiting up to `waitingMilliseconds`; a batch is kept in
  /// `waitingBatches`, a reply left in `received`. False when nothing came.
  private func receive(waitingMilliseconds: Int) throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(waitingMilliseconds))
    while !(try socket.receiveMultipart(into: &received, maxFrames: 3, dontWait: true)) {
      let remaining = Int(clock.now.duration(to: deadline) / .milliseconds(1))
      guard remaining > 0 else { return false }
      // Woken by a monitor event, it reads it and waits on for the rest of the time.
      let ready = try Poller.poll(
        [(socket, .readable), (handshakes, .readable)], timeoutMilliseconds: remaining)
      if ready[1].contains(.readable) { try readHandshakes() }
    }
    guard !received.truncated, received.count >= 2, received[0].isEmpty else {
      throw ClientError.malformedReply("expected an empty delimiter and one or two frames")
    }
    if received.count == 3 {
      guard let userIDs = GatewayRecipients.userIDs(in: received[2]) else {
        throw ClientError.malformedReply("a batch's recipients do not end with a NUL byte")
      }
      waitingBatches.append(Batch(envelope: Array(received[1]), userIDs: userIDs))
    }
    return true
  }

  /// Counts the handshakes the monitor reported; throws a failed CURVE handshake's error (the
  /// daemon refused the key, or the server key is not the daemon's).
  private func readHandshakes() throws {
    while let event = try SocketEvent.read(from: handshakes) {
      switch SocketEvent.Kinds(rawValue: event.kind) {
      case .handshakeSucceeded:
        handshakesSeen += 1
        if handshakesSeen > 1 { reconnectionsPending += 1 }
      case .handshakeFailedAuth:
        throw ClientError.keyRefused(status: Int(event.value))
      case .handshakeFailedProtocol, .handshakeFailedNoDetail:
        throw ClientError.handshakeFailed
      default:
        continue
      }
    }
  }

  private func takeWaitingBatch() -> Batch? {
    guard waitingBatchHead < waitingBatches.count else { return nil }
    defer {
      waitingBatchHead += 1
      if waitingBatchHead == waitingBatches.count {
        waitingBatches.removeAll(keepingCapacity: true)
        waitingBatchHead = 0
      }
    }
    return waitingBatches[waitingBatchHead]
  }
}

/// A gateway request the daemon refused.
public enum GatewaySessionError: Error, CustomStringConvertible {
  case refused(ChannelCastClient.Reply)
  /// The reader of `GatewaySession.batches` fell this many batches behind.
  case readerTooSlow(buffered: Int)

  public var description: String {
    switch self {
    case .refused(let reply):
      "the daemon refused: \(reply.errorCodeName ?? "?"): \(reply.errorMessage ?? "")"
    case .readerTooSlow(let buffered):
      "the reader of the batches fell \(buffered) batches behind; the session ended"
    }
  }
}

extension GatewaySession {
  /// What `batches` needs to run a session on a thread of its own.
  public struct Configuration: Sendable {
    public var endpoint: String
    public var gatewayID: String
    /// Users to attach once connected.
    public var userIDs: [String]
    public var curve: CurveClientCredentials?
    public var timeoutMilliseconds = 10_000

    public init(
      endpoint: String, gatewayID: String, userIDs: [String],
      curve: CurveClientCredentials? = nil
    ) {
      self.endpoint = endpoint
      self.gatewayID = gatewayID
      self.userIDs = userIDs
      self.curve = curve
    }
  }

  /// Batches the sequence of `batches` holds for a reader that has not taken them yet.
  public static let bufferedBatches = 100_000

  /// The batches of a session that connects, says hello and attaches `configuration.userIDs`,
  /// on a thread of its own, as an async sequence. The session ends (`bye`) when the sequence
  /// is no longer iterated; an error ends the sequence, and so does a reader that falls
  /// `bufferedBatches` behind (``GatewaySessionError/readerTooSlow(buffered:)``): batches are
  /// never lost silently.
  public static func batches(_ configuration: Configuration, context: ZMQContext)
    -> AsyncThrowingStream<Batch, any Error>
  {
    AsyncThrowingStream(bufferingPolicy: .bufferingOldest(bufferedBatches)) { continuation in
      let flag = StopFlag()
      continuation.onTermination = { _ in flag.stop() }
      let thread = Thread {
        do {
          let session = try GatewaySession(
            endpoint: configuration.endpoint, context: context,
            gatewayID: configuration.gatewayID,
            timeoutMilliseconds: configuration.timeoutMilliseconds, curve: configuration.curve)
          try session.attach(configuration.userIDs)
          while !flag.isStopped {
            if let batch = try session.nextBatch(timeoutMilliseconds: 100),
              case .dropped = continuation.yield(batch)
            {
              throw GatewaySessionError.readerTooSlow(buffered: Self.bufferedBatches)
            }
          }
          try? session.bye()
          continuation.finish()
        } catch {
          continuation.finish(throwing: error)
        }
      }
      thread.name = "gateway-session"
      thread.start()
    }
  }
}

/// Tells a session's thread to stop, from the sequence's termination.
private final class StopFlag: Sendable {
  private let stopped = Atomic<Bool>(false)

  var isStopped: Bool { stopped.load(ordering: .relaxed) }

  func stop() {
    stopped.store(true, ordering: .relaxed)
  }
}
