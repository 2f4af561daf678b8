import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Releases the owner retained for a zero-copy frame; libzmq calls it, on one of its I/O
/// threads, once the frame is sent or dropped.
private func releaseFrameOwner(_ data: UnsafeMutableRawPointer?, _ hint: UnsafeMutableRawPointer?) {
  guard let hint else { return }
  Unmanaged<AnyObject>.fromOpaque(hint).release()
}

extension Socket {
  /// Sends `buffer` as one frame without copying it (`zmq_msg_init_data`): libzmq reads the
  /// bytes in place, keeping `owner` retained until it is done with them.
  ///
  /// This pays when one buffer goes out in many frames, as a broadcast's envelope does; for a
  /// buffer sent once, copying with ``send(_:more:dontWait:)-(UnsafeRawBufferPointer,_,_)`` is
  /// cheaper. `owner` must keep `buffer` alive and unchanged, and be safe to release on another
  /// thread.
  ///
  /// - Returns: false only when `dontWait` is true and the frame could not be queued.
  @discardableResult
  public func send(
    sharing buffer: UnsafeRawBufferPointer, owner: AnyObject, more: Bool = false,
    dontWait: Bool = false
  ) throws(ZMQError) -> Bool {
    let socket = try handle(for: "zmq_msg_send")
    let retained = Unmanaged.passRetained(owner).toOpaque()
    guard
      zmq_msg_init_data(
        outgoingMessage, UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count,
        releaseFrameOwner, retained) == 0
    else {
      Unmanaged<AnyObject>.fromOpaque(retained).release()
      throw .lastError(of: "zmq_msg_init_data")
    }
    let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
    while zmq_msg_send(outgoingMessage, socket, flags) == -1 {
      let code = zmq_errno()
      if code == EINTR { continue }
      zmq_msg_close(outgoingMessage)  // releases the owner
      if code == EAGAIN && dontWait { return false }
      throw ZMQError(code: code, operation: "zmq_msg_send")
    }
    return true
  }
}
