import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Socket {
  /// Receives one frame into `buffer` without allocating (`zmq_recv`), for consumers that must
  /// keep up with millions of frames per second.
  ///
  /// - Returns: the frame's full size, which is larger than `buffer.count` when the frame was
  ///   truncated to fit; nil when `dontWait` is true and nothing is waiting. A
  ///   ``SocketOption/receiveTimeout`` expiry throws an error whose ``ZMQError/isWouldBlock`` is
  ///   true.
  public func receive(into buffer: UnsafeMutableRawBufferPointer, dontWait: Bool = false)
    throws(ZMQError) -> Int?
  {
    let socket = try handle(for: "zmq_recv")
    while true {
      let size = zmq_recv(socket, buffer.baseAddress, buffer.count, dontWait ? ZMQ_DONTWAIT : 0)
      if size >= 0 { return Int(size) }
      switch zmq_errno() {
      case EINTR: continue
      case EAGAIN where dontWait: return nil
      case let code: throw ZMQError(code: code, operation: "zmq_recv")
      }
    }
  }
}
