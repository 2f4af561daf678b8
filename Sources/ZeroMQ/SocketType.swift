import CZeroMQ

/// The messaging pattern of a ``Socket`` (`ZMQ_PUB`, `ZMQ_SUB`, ...).
///
/// A struct rather than an enum because the values are C macros, which cannot be raw values.
public struct SocketType: RawRepresentable, Sendable, Hashable {
  /// The `ZMQ_*` socket type constant.
  public let rawValue: Int32

  /// Creates a socket type from a `ZMQ_*` constant.
  public init(rawValue: Int32) {
    self.rawValue = rawValue
  }

  /// Exclusive pair (`ZMQ_PAIR`).
  public static let pair = SocketType(rawValue: ZMQ_PAIR)
  /// Publisher (`ZMQ_PUB`); drops messages for a subscriber that reaches the high-water mark.
  public static let pub = SocketType(rawValue: ZMQ_PUB)
  /// Subscriber (`ZMQ_SUB`); receives nothing until it subscribes.
  public static let sub = SocketType(rawValue: ZMQ_SUB)
  /// Request (`ZMQ_REQ`); strictly alternates send and receive.
  public static let req = SocketType(rawValue: ZMQ_REQ)
  /// Reply (`ZMQ_REP`); strictly alternates receive and send.
  public static let rep = SocketType(rawValue: ZMQ_REP)
  /// Asynchronous request (`ZMQ_DEALER`).
  public static let dealer = SocketType(rawValue: ZMQ_DEALER)
  /// Asynchronous reply (`ZMQ_ROUTER`); prefixes each message with the sender's routing ID.
  public static let router = SocketType(rawValue: ZMQ_ROUTER)
  /// Pipeline input (`ZMQ_PULL`).
  public static let pull = SocketType(rawValue: ZMQ_PULL)
  /// Pipeline output (`ZMQ_PUSH`).
  public static let push = SocketType(rawValue: ZMQ_PUSH)
  /// Publisher that receives subscriptions as messages (`ZMQ_XPUB`).
  public static let xpub = SocketType(rawValue: ZMQ_XPUB)
  /// Subscriber that sends subscriptions as messages (`ZMQ_XSUB`).
  public static let xsub = SocketType(rawValue: ZMQ_XSUB)
}
