import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `zmq_msg_t` at a fixed address, into which frames are received one after another.
///
/// libzmq stores frames of up to 33 bytes inside the struct itself, so it must not move while
/// in use: it lives in its own allocation, never in a Swift variable.
struct MessageFrame: ~Copyable {
  private let message: UnsafeMutablePointer<zmq_msg_t>

  init() {
    message = .allocate(capacity: 1)
    zmq_msg_init(message)  // Always succeeds: it only zeroes the struct.
  }

  deinit {
    zmq_msg_close(message)
    message.deallocate()
  }

  /// Receives the next frame from `socket` in place of the current one (`zmq_msg_recv`).
  /// Returns false only when `dontWait` is true and no message is waiting.
  func receive(from socket: UnsafeMutableRawPointer, dontWait: Bool) throws(ZMQError) -> Bool {
    while zmq_msg_recv(message, socket, dontWait ? ZMQ_DONTWAIT : 0) == -1 {
      switch zmq_errno() {
      case EINTR: continue
      case EAGAIN where dontWait: return false
      case let code: throw ZMQError(code: code, operation: "zmq_msg_recv")
      }
    }
    return true
  }

  /// The current frame's bytes, valid until the next receive or `deinit`.
  var unsafeBytes: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message))
  }

  /// A copy of the current frame's bytes.
  var bytes: [UInt8] {
    let count = zmq_msg_size(message)
    guard count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: zmq_msg_data(message), count: count))
  }

  /// A metadata property of the connection the current frame came in on (`zmq_msg_gets`),
  /// such as `"User-Id"`, which a ZAP handler set when the peer authenticated; nil when the
  /// connection has no such property.
  func property(_ name: String) -> String? {
    guard let value = zmq_msg_gets(message, name) else { return nil }
    return String(validatingCString: value)
  }

  /// The file descriptor of the connection the current frame came in on (`ZMQ_SRCFD`), or -1.
  /// It names a connection in the socket monitor's events (`ZMQ_EVENT_DISCONNECTED`'s value).
  var sourceFileDescriptor: Int32 {
    zmq_msg_get(message, ZMQ_SRCFD)
  }

  /// Whether more frames of the same message follow the current one.
  var hasMore: Bool { zmq_msg_more(message) != 0 }
}
