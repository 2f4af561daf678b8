import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The thread-specific slot through which `releaseFrameOwner` tells a sending thread that libzmq
/// released its frame before `zmq_msg_send` returned. Only a thread inside
/// ``Socket/sendReportingDiscard(sharing:owner:more:)`` sets it; libzmq's I/O threads never do.
private let discardedDuringSendKey: pthread_key_t = {
  var key = pthread_key_t()
  precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
  return key
}()

/// Releases the owner retained for a zero-copy frame; libzmq calls it once the frame is sent or
/// dropped: on one of its I/O threads, or on the sending thread itself when no peer took it.
private func releaseFrameOwner(_ data: UnsafeMutableRawPointer?, _ hint: UnsafeMutableRawPointer?) {
  if let discarded = pthread_getspecific(discardedDuringSendKey) {
    discarded.assumingMemoryBound(to: Bool.self).pointee = true
  }
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

  /// Sends `buffer` as ``send(sharing:owner:more:dontWait:)`` does (blocking), and tells whether
  /// libzmq discarded it at once: true when no peer took the frame, as a PUB or XPUB socket
  /// does when no subscription matches or every matching peer is cut off.
  ///
  /// libzmq does not say so; but a peer that takes a zero-copy frame holds it until an I/O
  /// thread has written it, so the frame's release runs on the calling thread, before the send
  /// returns, only when no peer took it.
  public func sendReportingDiscard(
    sharing buffer: UnsafeRawBufferPointer, owner: AnyObject, more: Bool = false
  ) throws(ZMQError) -> Bool {
    var discarded = false
    return try withUnsafeMutablePointer(to: &discarded) { flag throws(ZMQError) in
      pthread_setspecific(discardedDuringSendKey, flag)
      defer { pthread_setspecific(discardedDuringSendKey, nil) }
      try send(sharing: buffer, owner: owner, more: more)
      return flag.pointee
    }
  }
}
