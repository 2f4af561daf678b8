import Glibc

/// A minimal RESP2 client over a loopback TCP socket, with no dependency beyond Glibc: `compare`
/// needs only pipelined commands, replies and a pub/sub stream.
///
/// Not thread-safe: the thread that makes a connection is its only user. Every read waits at
/// most `pollMilliseconds`, so callers can look at their deadlines and stop flags.
final class RedisConnection {
  static let pollMilliseconds = 100

  private let descriptor: Int32
  private var buffer: UnsafeMutableRawBufferPointer
  private var start = 0
  private var end = 0

  /// Connects to 127.0.0.1:`port`, retrying while the server is still starting.
  init(port: Int, deadline: Deadline) throws {
    while true {
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard descriptor >= 0 else { throw BenchmarkError("socket() failed: errno \(errno)") }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
      address.sin_port = UInt16(port).bigEndian
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
      }
      if connected {
        self.descriptor = descriptor
        break
      }
      close(descriptor)
      try deadline.check()
      usleep(20_000)
    }
    var one: Int32 = 1
    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
    var timeout = timeval(tv_sec: 0, tv_usec: Self.pollMilliseconds * 1000)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    buffer = .allocate(byteCount: 1 << 20, alignment: 1)
  }

  deinit {
    close(descriptor)
    buffer.deallocate()
  }

  /// Writes `commands` in one go (pipelined); read one reply per command afterwards.
  func send(_ commands: [[[UInt8]]], deadline: Deadline) throws {
    var wire: [UInt8] = []
    for command in commands {
      wire += Array("*\(command.count)\r\n".utf8)
      for argument in command {
        wire += Array("$\(argument.count)\r\n".utf8)
        wire += argument
        wire += [13, 10]
      }
    }
    try wire.withUnsafeBytes { bytes in
      var sent = 0
      while sent < bytes.count {
        let written = Glibc.send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, 0)
        if written > 0 {
          sent += written
        } else if written < 0 && (errno == EAGAIN || errno == EINTR) {
          try deadline.check()
        } else {
          throw BenchmarkError("redis: send failed: errno \(errno)")
        }
      }
    }
  }

  /// Reads the next reply; an error reply throws.
  func reply(deadline: Deadline) throws -> RedisReply {
    while true {
      if let (reply, size) = try RedisReply.parse(unread) {
        start += size
        if case .error(let message) = reply { throw BenchmarkError("redis: \(message)") }
        return reply
      }
      if try !fill() { try deadline.check() }
    }
  }

  /// Reads the next pushed pub/sub message and hands its element `index` (a `pmessage`'s
  /// channel is 2) to `body`; false when nothing complete arrived within the poll interval.
  func nextPushed(handing index: Int, to body: (UnsafeRawBufferPointer) -> Void) throws -> Bool {
    while true {
      if let size = try RedisReply.skipArray(unread, handing: index, to: body) {
        start += size
        return true
      }
      if try !fill() { return false }
    }
  }

  private var unread: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: buffer[start..<end])
  }

  /// Reads more bytes; false when none came within the poll interval.
  private func fill() throws -> Bool {
    if start > 0 {
      // Move the incomplete rest to the front.
      memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start)
      end -= start
      start = 0
    }
    if end == buffer.count {
      let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
      larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
      buffer.deallocate()
      buffer = larger
    }
    while true {
      let received = recv(descriptor, buffer.baseAddress! + end, buffer.count - end, 0)
      if received > 0 {
        end += received
        return true
      }
      if received == 0 { throw BenchmarkError("redis closed the connection") }
      if errno == EINTR { continue }
      if errno == EAGAIN || errno == EWOULDBLOCK { return false }
      throw BenchmarkError("redis: recv failed: errno \(errno)")
    }
  }
}
