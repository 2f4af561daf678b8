extension Socket {
  /// Receives one frame.
  ///
  /// - Parameter dontWait: return nil instead of blocking when no message is waiting.
  /// - Returns: the frame and whether more frames of the same message follow, or nil when
  ///   `dontWait` is true and nothing is waiting. A ``SocketOption/receiveTimeout`` expiry
  ///   throws an error whose ``ZMQError/isWouldBlock`` is true.
  public func receiveFrame(dontWait: Bool = false) throws(ZMQError) -> (
    bytes: [UInt8], hasMore: Bool
  )? {
    let frame = MessageFrame()
    guard try frame.receive(from: handle(for: "zmq_msg_recv"), dontWait: dontWait) else {
      return nil
    }
    return (frame.bytes, frame.hasMore)
  }

  /// Receives all frames of the next message; nil when `dontWait` is true and nothing is
  /// waiting.
  public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
    try receiveMultipart(maxFrames: .max, dontWait: dontWait)?.frames
  }

  /// Receives the next message but keeps at most `maxFrames` frames; the rest are read and
  /// discarded without being copied, so a peer cannot make us buffer an unbounded message.
  ///
  /// - Returns: the kept frames and whether any were discarded, or nil when `dontWait` is true
  ///   and nothing is waiting.
  public func receiveMultipart(maxFrames: Int, dontWait: Bool = false) throws(ZMQError) -> (
    frames: [[UInt8]], truncated: Bool
  )? {
    precondition(maxFrames >= 0, "maxFrames must not be negative")
    let socket = try handle(for: "zmq_msg_recv")
    let frame = MessageFrame()
    guard try frame.receive(from: socket, dontWait: dontWait) else { return nil }
    var frames: [[UInt8]] = []
    var truncated = false
    while true {
      if frames.count < maxFrames {
        frames.append(frame.bytes)
      } else {
        truncated = true
      }
      guard frame.hasMore else { return (frames, truncated) }
      // The rest of a message arrives together with its first frame, so this never waits.
      _ = try frame.receive(from: socket, dontWait: false)
    }
  }

  /// Receives the next message into `buffer`, like ``receiveMultipart(maxFrames:dontWait:)``
  /// but reusing the buffer's storage instead of allocating an array per frame.
  ///
  /// - Returns: false when `dontWait` is true and nothing is waiting (`buffer` is then
  ///   unchanged), true when `buffer` holds the next message.
  public func receiveMultipart(
    into buffer: inout MultipartBuffer, maxFrames: Int, dontWait: Bool = false
  ) throws(ZMQError) -> Bool {
    precondition(maxFrames >= 0, "maxFrames must not be negative")
    let socket = try handle(for: "zmq_msg_recv")
    let frame = MessageFrame()
    guard try frame.receive(from: socket, dontWait: dontWait) else { return false }
    buffer.removeAll()
    while true {
      if buffer.count < maxFrames {
        buffer.append(frame.unsafeBytes)
      } else {
        buffer.truncated = true
      }
      guard frame.hasMore else {
        // Read from the last frame: a ROUTER makes up the routing ID frame, and when a poll
        // made it look ahead it does so without the connection's properties.
        if buffer.readsUserID { buffer.userID = frame.property("User-Id") }
        buffer.sourceFileDescriptor = frame.sourceFileDescriptor
        return true
      }
      // The rest of a message arrives together with its first frame, so this never waits.
      _ = try frame.receive(from: socket, dontWait: false)
    }
  }
}
