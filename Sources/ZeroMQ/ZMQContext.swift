import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A libzmq context: the I/O threads and the sockets created in it.
///
/// Safe to share between threads, unlike the sockets made from it. Every ``Socket`` keeps its
/// context alive, so the context is terminated (`zmq_ctx_term`) only after its last socket is
/// closed; a socket with pending messages and a long linger delays that termination.
public final class ZMQContext: Sendable {
  /// Shared across threads without a lock because libzmq documents contexts as thread-safe.
  nonisolated(unsafe) let handle: UnsafeMutableRawPointer

  /// Creates a context with `ioThreads` I/O threads (`zmq_ctx_new`, `ZMQ_IO_THREADS`).
  public init(ioThreads: Int32 = 1) throws(ZMQError) {
    guard let handle = zmq_ctx_new() else { throw .lastError(of: "zmq_ctx_new") }
    guard zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) == 0 else {
      let error = ZMQError.lastError(of: "zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
      zmq_ctx_term(handle)
      throw error
    }
    self.handle = handle
  }

  deinit {
    while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
  }

  /// Shuts the context down (`zmq_ctx_shutdown`): every blocked or later call on its sockets
  /// fails with an error whose ``ZMQError/isTerminated`` is true. The sockets must still be
  /// closed. Callable from any thread; calling it again has no further effect.
  public func shutdown() {
    zmq_ctx_shutdown(handle)
  }
}
