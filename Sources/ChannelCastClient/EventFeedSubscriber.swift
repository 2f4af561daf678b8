import ChannelCastProtocol
import ZeroMQ

/// A subscriber of the daemon's event feed (`eventsEndpoint`) over a SUB socket, as a backend
/// would be.
///
/// Ownership: not Sendable; its socket belongs to the thread that uses it.
public final class EventFeedSubscriber {
  /// One event: its type (the topic frame) and its JSON object, as the daemon sent it.
  public struct Event: Sendable {
    public let type: FeedEventType
    public let json: [UInt8]
  }

  private let socket: Socket
  /// Set when the subscriber uses CURVE, whose failed handshakes it reports.
  private let handshake: HandshakeWatch?

  /// Connects, over CURVE when `curve` is given, and subscribes to `types` (every type when
  /// empty).
  public init(
    endpoint: String, context: ZMQContext, types: [FeedEventType] = [],
    curve: CurveClientCredentials? = nil
  ) throws {
    socket = try Socket(context: context, type: .sub)
    try socket.setOption(.linger, 0)
    handshake = try curve?.secure(socket, context: context)
    if types.isEmpty {
      try socket.subscribe([UInt8]())
    } else {
      for type in types { try socket.subscribe(type.name) }
    }
    try socket.connect(endpoint)
  }

  deinit {
    socket.close()
  }

  /// The next event, or nil when none arrives within the timeout (-1 waits forever). A message
  /// that is not two frames with a known type is skipped. Over CURVE, a failed handshake throws
  /// ``ClientError/keyRefused(status:)`` or ``ClientError/handshakeFailed`` as soon as it
  /// happens.
  public func receive(timeoutMilliseconds: Int) throws -> Event? {
    guard
      try socket.waitUntilReadable(
        timeoutMilliseconds: timeoutMilliseconds, reporting: handshake),
      let frames = try socket.receiveMultipart(dontWait: true),
      frames.count == 2,
      let type = FeedEventType(name: String(decoding: frames[0], as: UTF8.self))
    else { return nil }
    return Event(type: type, json: frames[1])
  }
}
