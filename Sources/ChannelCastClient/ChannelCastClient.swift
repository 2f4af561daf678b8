import ChannelCastProtocol
import ZeroMQ

/// A client of the command socket over a DEALER socket: sends request objects and reads replies.
///
/// Ownership: not Sendable; its socket belongs to the thread that uses the client. Requests may
/// be pipelined with `send` and `receiveReply`; `call` does one round trip.
public final class ChannelCastClient {
  /// What a request got back.
  public struct Reply: Sendable {
    /// The reply frame as received.
    public let raw: [UInt8]
    public let ok: Bool
    /// The `result` object of a success.
    public let result: JSONRawValue?
    /// `error.code` of a failure; nil also for a code this client does not know (a newer
    /// daemon's), which `errorCodeName` still has.
    public let errorCode: ErrorCode?
    /// `error.code` as the daemon sent it.
    public let errorCodeName: String?
    /// `error.message` of a failure.
    public let errorMessage: String?
    /// The echoed `id`.
    public let id: JSONRawValue?

    init(frame: [UInt8]) throws(ClientError) {
      let object: JSONObject
      do {
        object = try JSONParser.parseObject(frame)
      } catch {
        throw ClientError.malformedReply("\(error)")
      }
      raw = frame
      ok = object["ok"]?.boolValue ?? false
      result = object["result"]
      id = object["id"]
      let error = object["error"]?.objectMembers
      errorCodeName = error?["code"]?.stringValue
      errorCode = errorCodeName.flatMap(ErrorCode.init(rawValue:))
      errorMessage = error?["message"]?.stringValue
    }
  }

  private let socket: Socket
  /// Set when the client uses CURVE, whose failed handshakes it reports.
  private let handshake: HandshakeWatch?
  private let timeoutMilliseconds: Int
  private var nextID = 0
  /// Reused for every reply, so that a pipelining client allocates only the reply it returns.
  private var received = MultipartBuffer()

  /// Connects to the daemon's command socket, over CURVE when `curve` is given; `endpoint` may
  /// list several, comma-separated (a cluster's nodes), over which requests are spread (their
  /// replies may then come back in another order than the requests: match them by `id`). A reply that
  /// takes longer than the timeout makes `call` and `receiveReply` throw
  /// ``ClientError/timedOut(milliseconds:)``; with `curve`, a failed handshake makes them throw
  /// ``ClientError/keyRefused(status:)`` or ``ClientError/handshakeFailed`` as soon as it
  /// happens.
  public init(
    endpoint: String, context: ZMQContext, timeoutMilliseconds: Int = 10_000,
    curve: CurveClientCredentials? = nil
  ) throws {
    socket = try Socket(context: context, type: .dealer)
    try socket.setOption(.linger, 0)
    handshake = try curve?.secure(socket, context: context)
    try EndpointList.connect(socket, to: endpoint)
    self.timeoutMilliseconds = timeoutMilliseconds
  }

  deinit {
    socket.close()
  }

  /// Sends one request with `op`, the given fields and a fresh numeric `id`, and returns its
  /// reply.
  public func call(_ op: RequestOp, _ fill: (inout JSONObjectWriter) -> Void = { _ in }) throws
    -> Reply
  {
    try send(request(op, fill))
    return try receiveReply()
  }

  /// Builds a request object with `op`, a fresh `id` and the fields `fill` adds.
  public func request(_ op: RequestOp, _ fill: (inout JSONObjectWriter) -> Void = { _ in })
    -> [UInt8]
  {
    nextID += 1
    var request = JSONObjectWriter()
    request.add("op", op.rawValue)
    request.add("id", nextID)
    fill(&request)
    return request.finished()
  }

  /// Sends a request frame as it is (after the empty delimiter), without waiting for the reply.
  public func send(_ frame: [UInt8]) throws {
    try socket.send([], more: true)
    try socket.send(frame)
  }

  /// Waits for the next reply frame.
  public func receiveReply() throws -> Reply {
    try Reply(frame: receiveRawReply())
  }

  /// Waits for the next reply frame and returns it undecoded.
  public func receiveRawReply() throws -> [UInt8] {
    // A pipelining client usually finds its next reply already there: only wait (a poll
    // system call) when it is not.
    var arrived = try socket.receiveMultipart(into: &received, maxFrames: 2, dontWait: true)
    if !arrived,
      try socket.waitUntilReadable(timeoutMilliseconds: timeoutMilliseconds, reporting: handshake)
    {
      arrived = try socket.receiveMultipart(into: &received, maxFrames: 2, dontWait: true)
    }
    guard arrived else { throw ClientError.timedOut(milliseconds: timeoutMilliseconds) }
    guard received.count == 2, !received.truncated, received[0].isEmpty else {
      throw ClientError.malformedReply("expected an empty delimiter and one frame")
    }
    return Array(received[1])
  }

}
