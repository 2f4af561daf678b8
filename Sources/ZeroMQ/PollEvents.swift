import CZeroMQ

/// What a socket is ready for, or what to wait for, in ``Poller/poll(_:timeoutMilliseconds:)``.
public struct PollEvents: OptionSet, Sendable, Hashable {
  /// The `ZMQ_POLLIN`/`ZMQ_POLLOUT` bits, in the C `short` of `zmq_pollitem_t`.
  public let rawValue: Int16

  /// Creates a set from `ZMQ_POLL*` bits.
  public init(rawValue: Int16) {
    self.rawValue = rawValue
  }

  /// At least one message can be received without blocking (`ZMQ_POLLIN`).
  public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
  /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
  public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}
