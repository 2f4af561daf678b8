import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A one-shot HTTP/1.1 GET over a plain socket, for the tests of the metrics listener.
enum HTTPGet {
  struct Response {
    let status: Int
    let body: String
  }

  /// GETs `path` from `address` ("127.0.0.1:port"); nil if nothing answers.
  static func get(_ path: String, from address: String) -> Response? {
    let parts = address.split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1]) else { return nil }
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return nil }
    defer { close(socket) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var target = sockaddr_in()
    target.sin_family = sa_family_t(AF_INET)
    target.sin_port = port.bigEndian
    inet_pton(AF_INET, String(parts[0]), &target.sin_addr)
    let connected = withUnsafePointer(to: &target) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: \(address)\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, 0) }) == request.count
    else { return nil }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { break }
      bytes += chunk[..<count]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let headEnd = text.range(of: "\r\n\r\n"),
      let status = Int(text.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return Response(status: status, body: String(text[headEnd.upperBound...]))
  }

  /// The value of a sample (`name{labels} value`) in Prometheus text, or nil if absent.
  static func sample(_ name: String, in text: String) -> Double? {
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let parts = line.split(separator: " ")
      if parts.count == 2, parts[0] == name { return Double(parts[1]) }
    }
    return nil
  }
}
