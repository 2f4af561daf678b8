import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Socket {
  /// Sends one frame, copying `buffer` (`zmq_send`).
  ///
  /// - Parameters:
  ///   - more: more frames of the same message follow (`ZMQ_SNDMORE`).
  ///   - dontWait: fail instead of blocking when the message cannot be queued (`ZMQ_DONTWAIT`).
  /// - Returns: false only when `dontWait` is true and the message could not be queued
  ///   (`EAGAIN`); every other failure throws, including a ``SocketOption/sendTimeout`` expiry.
  @discardableResult
  public func send(
    _ buffer: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false
  ) throws(ZMQError) -> Bool {
    let socket = try handle(for: "zmq_send")
    let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
    while zmq_send(socket, buffer.baseAddress, buffer.count, flags) == -1 {
      switch zmq_errno() {
      case EINTR: continue
      case EAGAIN where dontWait: return false
      case let code: throw ZMQError(code: code, operation: "zmq_send")
      }
    }
    return true
  }

  /// Sends `bytes` as one frame, like the `UnsafeRawBufferPointer` variant.
  @discardableResult
  public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError)
    -> Bool
  {
    // withUnsafeBytes only rethrows, which would erase the error type; Result keeps it.
    let sent = bytes.withUnsafeBytes { buffer in
      Result { () throws(ZMQError) in try send(buffer, more: more, dontWait: dontWait) }
    }
    return try sent.get()
  }

  /// Sends the UTF-8 of `string` as one frame, without a terminating NUL.
  @discardableResult
  public func send(_ string: String, more: Bool = false, dontWait: Bool = false) throws(ZMQError)
    -> Bool
  {
    var string = string
    // As above: Result keeps the error type through withUTF8.
    let sent = string.withUTF8 { utf8 in
      Result { () throws(ZMQError) in
        try send(UnsafeRawBufferPointer(utf8), more: more, dontWait: dontWait)
      }
    }
    return try sent.get()
  }

  /// Sends `frames` as one multipart message.
  ///
  /// With `dontWait`, returns false when the first frame cannot be queued; nothing is sent then.
  /// The later frames are sent blocking: once libzmq has accepted the first frame of a message
  /// it accepts the rest, and giving up halfway would leave a partial message queued.
  /// Throws `EINVAL` for an empty list, since a message has at least one frame.
  @discardableResult
  public func sendMultipart(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
    guard let first = frames.first else {
      throw ZMQError(code: EINVAL, operation: "sendMultipart(no frames)")
    }
    guard try send(first, more: frames.count > 1, dontWait: dontWait) else { return false }
    for (index, frame) in frames.enumerated().dropFirst() {
      try send(frame, more: index < frames.count - 1)
    }
    return true
  }
}
