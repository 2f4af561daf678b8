import CZeroMQ

/// A socket event that libzmq's monitor reports (`ZMQ_EVENT_*`).
public struct SocketEvent: Sendable, Equatable {
  /// Which kinds of event to report, as a `ZMQ_EVENT_*` bit set.
  public struct Kinds: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let accepted = Kinds(rawValue: ZMQ_EVENT_ACCEPTED)
    public static let disconnected = Kinds(rawValue: ZMQ_EVENT_DISCONNECTED)
    public static let closed = Kinds(rawValue: ZMQ_EVENT_CLOSED)
    /// A connection's ZMTP handshake (and, with CURVE, authentication) succeeded: each
    /// (re)connection of a connecting socket reports one.
    public static let handshakeSucceeded = Kinds(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    public static let handshakeFailedProtocol = Kinds(
      rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
    public static let handshakeFailedNoDetail = Kinds(
      rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
  }

  /// The `ZMQ_EVENT_*` number.
  public let kind: Int32
  /// The event's value: a file descriptor, an errno or a protocol error code, by kind.
  public let value: UInt32
  /// The endpoint it concerns.
  public let endpoint: String

  public var isDisconnection: Bool { kind == ZMQ_EVENT_DISCONNECTED }
}

extension Socket {
  /// Starts reporting `kinds` of events on a `ZMQ_PAIR` socket bound at `endpoint`
  /// (`inproc://...`), which ``SocketEvent/read(from:)`` reads after connecting a `pair` socket
  /// to it (`zmq_socket_monitor`).
  public func monitor(_ endpoint: String, kinds: SocketEvent.Kinds) throws(ZMQError) {
    let socket = try handle(for: "zmq_socket_monitor")
    guard zmq_socket_monitor(socket, endpoint, kinds.rawValue) == 0 else {
      throw .lastError(of: "zmq_socket_monitor(\(endpoint))")
    }
  }
}

extension SocketEvent {
  /// Reads one event from a `pair` socket connected to a monitor endpoint; nil when none is
  /// waiting (with `dontWait`) or the message is not an event.
  public static func read(from monitor: Socket, dontWait: Bool = true) throws(ZMQError)
    -> SocketEvent?
  {
    guard let frames = try monitor.receiveMultipart(dontWait: dontWait), frames.count == 2,
      frames[0].count == 6
    else { return nil }
    let head = frames[0]
    return SocketEvent(
      kind: Int32(UInt16(head[0]) | UInt16(head[1]) << 8),
      value: UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16
        | UInt32(head[5]) << 24,
      endpoint: String(decoding: frames[1], as: UTF8.self))
  }
}
