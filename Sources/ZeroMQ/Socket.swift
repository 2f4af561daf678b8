import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A libzmq socket.
///
/// Not `Sendable` on purpose: a libzmq socket is not thread-safe, so it has exactly one owner
/// (a thread or a serial queue), which should also be the code that creates it.
/// Closing is explicit with ``close()`` or happens on deinit; it does not change the linger
/// period, so set ``SocketOption/linger`` first if unsent messages must not delay termination.
public final class Socket {
  /// Kept so the context outlives the socket: `zmq_ctx_term` waits for every socket to close.
  let context: ZMQContext
  private var state: State
  /// The message struct zero-copy sends build their frame in: at a fixed address, as libzmq
  /// requires, and reused because the socket has one owner.
  let outgoingMessage: UnsafeMutablePointer<zmq_msg_t> = .allocate(capacity: 1)

  private enum State {
    case open(UnsafeMutableRawPointer)
    case closed
  }

  /// Creates a socket of `type` in `context` (`zmq_socket`).
  public init(context: ZMQContext, type: SocketType) throws(ZMQError) {
    guard let handle = zmq_socket(context.handle, type.rawValue) else {
      throw .lastError(of: "zmq_socket")
    }
    self.context = context
    self.state = .open(handle)
  }

  deinit {
    close()
    outgoingMessage.deallocate()
  }

  /// Closes the socket (`zmq_close`). Calling it again does nothing; any other call on a closed
  /// socket throws `ENOTSOCK`.
  public func close() {
    guard case .open(let handle) = state else { return }
    zmq_close(handle)
    state = .closed
  }

  /// Accepts connections on `endpoint`, such as `tcp://127.0.0.1:*` or `ipc:///run/x.sock`.
  public func bind(_ endpoint: String) throws(ZMQError) {
    try perform("zmq_bind", on: endpoint, zmq_bind)
  }

  /// Connects to `endpoint`; libzmq connects in the background and reconnects by itself.
  public func connect(_ endpoint: String) throws(ZMQError) {
    try perform("zmq_connect", on: endpoint, zmq_connect)
  }

  /// Stops accepting connections on an endpoint given to ``bind(_:)``.
  public func unbind(_ endpoint: String) throws(ZMQError) {
    try perform("zmq_unbind", on: endpoint, zmq_unbind)
  }

  /// Disconnects from an endpoint given to ``connect(_:)``.
  public func disconnect(_ endpoint: String) throws(ZMQError) {
    try perform("zmq_disconnect", on: endpoint, zmq_disconnect)
  }

  /// The endpoint last bound or connected (`ZMQ_LAST_ENDPOINT`), with the port filled in after
  /// binding a wildcard such as `tcp://127.0.0.1:*`.
  public var lastEndpoint: String {
    get throws(ZMQError) { try option(.lastEndpoint) }
  }

  /// The native socket for a libzmq call; throws `ENOTSOCK` once the socket is closed.
  /// `operation` names the call in the error and is built only when there is one.
  func handle(for operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer
  {
    guard case .open(let handle) = state else {
      throw ZMQError(code: ENOTSOCK, operation: operation())
    }
    return handle
  }

  private func perform(
    _ name: String, on endpoint: String,
    _ call: (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32
  ) throws(ZMQError) {
    let operation = "\(name)(\(endpoint))"
    let socket = try handle(for: operation)
    guard endpoint.withCString({ call(socket, $0) }) == 0 else { throw .lastError(of: operation) }
  }
}
