import ZeroMQ

/// A consumer of the delivery socket over a SUB socket, as a gateway would be.
///
/// Ownership: not Sendable; its socket belongs to the thread that uses it.
public final class DeliveryConsumer {
  /// One delivery: the recipient's user ID (the topic without its NUL) and the envelope frame.
  public struct Delivery: Sendable {
    public let userID: [UInt8]
    public let envelope: [UInt8]
  }

  private let socket: Socket
  /// Set when the consumer uses CURVE, whose failed handshakes it reports.
  private let handshake: HandshakeWatch?

  /// Connects, over CURVE when `curve` is given, and subscribes to the given users' topics, or
  /// to every delivery when `users` is nil. `endpoint` may list several, comma-separated: a
  /// cluster's nodes, each of which delivers to the users of its partitions.
  public init(
    endpoint: String, context: ZMQContext, users: [String]? = nil,
    receiveHighWaterMark: Int32? = nil, curve: CurveClientCredentials? = nil
  ) throws {
    socket = try Socket(context: context, type: .sub)
    try socket.setOption(.linger, 0)
    handshake = try curve?.secure(socket, context: context)
    if let receiveHighWaterMark {
      try socket.setOption(.receiveHighWaterMark, receiveHighWaterMark)
    }
    if let users {
      // libzmq sends a SUB's subscriptions through its send queue, and at connect drops those
      // past the send high-water mark (1,000 by default) without a word: a consumer of many
      // users needs it unbounded.
      try socket.setOption(.sendHighWaterMark, 0)
      for user in users { try socket.subscribe(Array(user.utf8) + [0]) }
    } else {
      try socket.subscribe([UInt8]())
    }
    try EndpointList.connect(socket, to: endpoint)
  }

  deinit {
    socket.close()
  }

  /// The next delivery, or nil when none arrives within the timeout (-1 waits forever). Over
  /// CURVE, a failed handshake throws ``ClientError/keyRefused(status:)`` or
  /// ``ClientError/handshakeFailed`` as soon as it happens.
  public func receive(timeoutMilliseconds: Int) throws -> Delivery? {
    guard
      try socket.waitUntilReadable(
        timeoutMilliseconds: timeoutMilliseconds, reporting: handshake),
      let frames = try socket.receiveMultipart(dontWait: true),
      frames.count == 2, frames[0].last == 0
    else { return nil }
    return Delivery(userID: Array(frames[0].dropLast()), envelope: frames[1])
  }
}
