import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A gateway that speaks just enough ZMTP 3.0 over a plain TCP socket to say `hello` and then
/// falls silent: it never answers the daemon's heartbeats, as a gateway whose host froze or
/// whose network path went dark (without a FIN or RST) would not. A libzmq socket cannot play
/// it: libzmq's I/O thread answers heartbeats by itself.
final class SilentGatewayPeer {
  private let descriptor: Int32

  /// Connects to `127.0.0.1:port`, does the NULL handshake as a DEALER and sends `request`.
  init(port: Int, request: String) throws {
    descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    // Greeting: signature, version 3.0, mechanism NULL, as-server 0, filler.
    var greeting: [UInt8] = [0xFF] + Array(repeating: 0, count: 8) + [0x7F, 3, 0]
    greeting += Array("NULL".utf8) + Array(repeating: 0, count: 16)
    greeting += [0] + Array(repeating: 0, count: 31)
    try write(greeting)
    _ = try read(count: 64)
    // READY with Socket-Type DEALER, as a short command frame.
    var ready: [UInt8] = [5] + Array("READY".utf8)
    ready += [11] + Array("Socket-Type".utf8) + [0, 0, 0, 6] + Array("DEALER".utf8)
    try write([0x04, UInt8(ready.count)] + ready)
    // The request: the empty delimiter (more), then the JSON (long frame when over 255).
    let body = Array(request.utf8)
    var message: [UInt8] = [0x01, 0]
    if body.count < 256 {
      message += [0x00, UInt8(body.count)]
    } else {
      message += [0x02] + withUnsafeBytes(of: UInt64(body.count).bigEndian, Array.init)
    }
    try write(message + body)
  }

  deinit {
    close(descriptor)
  }

  private func write(_ bytes: [UInt8]) throws {
    var sent = 0
    while sent < bytes.count {
      let result = bytes[sent...].withUnsafeBytes {
        Glibc.send(descriptor, $0.baseAddress, $0.count, 0)
      }
      guard result > 0 else { throw POSIXError(.EPIPE) }
      sent += result
    }
  }

  private func read(count: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var received = 0
    while received < count {
      let result = bytes[received...].withUnsafeMutableBytes {
        recv(descriptor, $0.baseAddress, $0.count, 0)
      }
      guard result > 0 else { throw POSIXError(.ECONNRESET) }
      received += result
    }
    return bytes
  }
}
