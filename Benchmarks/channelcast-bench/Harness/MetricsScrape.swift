import Glibc

/// Reads one sample from a started daemon's `/metrics` (Prometheus text over HTTP/1.1), over a
/// plain loopback socket: the harness needs one number, not an HTTP client.
enum MetricsScrape {
  /// The value of the unlabelled sample `name` at `port` on 127.0.0.1.
  static func sample(_ name: String, port: Int) throws -> Double {
    let text = try get("/metrics", port: port)
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let parts = line.split(separator: " ")
      if parts.count == 2, parts[0] == name, let value = Double(parts[1]) { return value }
    }
    throw BenchmarkError("no sample \(name) in the daemon's /metrics")
  }

  private static func get(_ path: String, port: Int) throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw BenchmarkError("socket() failed: errno \(errno)") }
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(
      descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
    guard connected else { throw BenchmarkError("metrics at port \(port): errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard
      request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count
    else { throw BenchmarkError("metrics at port \(port): the request was not sent") }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while case let count = chunk.withUnsafeMutableBytes({
      recv(descriptor, $0.baseAddress, $0.count, 0)
    }),
      count > 0
    {
      response += chunk[..<count]
    }
    return String(decoding: response, as: UTF8.self)
  }
}
