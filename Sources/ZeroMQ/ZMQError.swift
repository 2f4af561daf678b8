import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An error from libzmq: the `errno` value it reported and the operation that failed.
public struct ZMQError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The `errno` value, which may be one of libzmq's own codes such as `ETERM` or `EFSM`.
  public let code: Int32
  /// The failed call and its argument where that helps, such as `zmq_bind(tcp://127.0.0.1:5555)`.
  public let operation: String

  /// Creates an error for `operation` that failed with `code`.
  public init(code: Int32, operation: String) {
    self.code = code
    self.operation = operation
  }

  /// libzmq's text for `code` (`zmq_strerror`), which also covers libzmq's own codes.
  public var message: String { String(cString: zmq_strerror(code)) }

  /// The operation would have blocked (`EAGAIN`): a non-blocking call found nothing to do,
  /// or a send or receive timeout expired.
  public var isWouldBlock: Bool { code == EAGAIN }

  /// The context was shut down or terminated (`ETERM`): the socket should be closed.
  public var isTerminated: Bool { code == ETERM }

  /// A signal interrupted the call (`EINTR`).
  public var isInterrupted: Bool { code == EINTR }

  /// `"<operation>: <message>"`.
  public var description: String { "\(operation): \(message)" }

  /// The error libzmq just reported for `operation`; call it right after the failed call,
  /// before anything else can overwrite `errno`.
  static func lastError(of operation: String) -> ZMQError {
    ZMQError(code: zmq_errno(), operation: operation)
  }
}
