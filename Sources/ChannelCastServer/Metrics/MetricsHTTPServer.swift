import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// Serves the metrics and health endpoints over HTTP/1.1 on its own thread: `GET` (and `HEAD`)
/// only, one request per connection (`Connection: close`), which is all Prometheus and health
/// checkers need. Written on plain sockets rather than an HTTP framework so that the daemon
/// does not carry an event-loop library for three read-only paths.
final class MetricsHTTPServer: Sendable {
  /// What a path answers.
  struct Response: Sendable {
    var status: Int
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]
  }

  private static let requestLimit = 8192
  private static let receiveTimeoutSeconds = 2
  /// The address it listens on, with the port it got (for port 0).
  let boundAddress: String
  /// The `cc-metrics` thread, which owns the listening socket; the metrics listener's
  /// `DaemonPartService` owns and ends it.
  let thread: DedicatedThread

  /// Binds `address` ("host:port", "[v6 host]:port") and starts serving; throws if it cannot.
  init(
    address: String, logger: Logger,
    respond: @escaping @Sendable (_ path: String) -> Response
  ) throws {
    let (host, port) = try Self.split(address)
    let listener = try Self.listen(host: host, port: port)
    boundAddress = "\(host.contains(":") ? "[\(host)]" : host):\(Self.port(of: listener))"
    do {
      // Asked to stop, it finishes the connection in hand and stops listening.
      thread = try DedicatedThread.start(
        name: "cc-metrics", setUp: {},
        serve: { _, thread in
          defer { close(listener) }
          Self.serve(listener, until: thread, respond: respond)
        })
    } catch {
      close(listener)
      throw error
    }
  }

  private static func serve(
    _ listener: Int32, until thread: DedicatedThread, respond: (String) -> Response
  ) {
    while !thread.isStopRequested {
      var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) > 0 else { continue }
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { continue }
      answer(connection, respond: respond)
      close(connection)
    }
  }

  private static func answer(_ connection: Int32, respond: (String) -> Response) {
    var timeout = timeval(tv_sec: Self.receiveTimeoutSeconds, tv_usec: 0)
    setsockopt(
      connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    guard let head = readHead(connection) else { return }
    // "\r\n" is one Character in Swift.
    let requestLine = head.prefix { $0 != "\r\n" && $0 != "\n" }.split(separator: " ")
    guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
      return send(Response(status: 400, body: Array("bad request\n".utf8)), to: connection)
    }
    let method = requestLine[0]
    guard method == "GET" || method == "HEAD" else {
      return send(Response(status: 405, body: Array("only GET\n".utf8)), to: connection)
    }
    let path = String(requestLine[1].prefix { $0 != "?" })
    var response = respond(path)
    if method == "HEAD" { response.body = [] }
    send(response, to: connection)
  }

  /// The request line and headers, up to the blank line; nil if the client sends too much,
  /// too slowly, or closes.
  private static func readHead(_ connection: Int32) -> String? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1024)
    while bytes.count < Self.requestLimit {
      let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return nil }
      bytes += chunk[..<count]
      if let text = String(validating: bytes, as: UTF8.self),
        text.contains("\r\n\r\n") || text.contains("\n\n")
      {
        return text
      }
    }
    return nil
  }

  private static func send(_ response: Response, to connection: Int32) {
    let reason =
      [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"][
        response.status] ?? "Service Unavailable"
    let head =
      "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\n"
      + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
    var bytes = Array(head.utf8) + response.body
    var sent = 0
    while sent < bytes.count {
      let count = bytes.withUnsafeMutableBytes {
        Glibc.send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
      }
      guard count > 0 else { return }
      sent += count
    }
  }

  // MARK: Listening socket

  private static func split(_ address: String) throws -> (host: String, port: String) {
    guard let colon = address.lastIndex(of: ":") else {
      throw MetricsAddressError(address: address, reason: "expected host:port")
    }
    var host = String(address[..<colon])
    let port = String(address[address.index(after: colon)...])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else {
      throw MetricsAddressError(address: address, reason: "expected host:port")
    }
    return (host, port)
  }

  private static func listen(host: String, port: String) throws -> Int32 {
    var hints = addrinfo()
    hints.ai_flags = AI_NUMERICSERV
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var found: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, port, &hints, &found)
    guard status == 0, let info = found else {
      throw MetricsAddressError(
        address: "\(host):\(port)", reason: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(found) }
    let socket = Glibc.socket(
      info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard socket >= 0 else {
      throw MetricsAddressError(
        address: "\(host):\(port)", reason: String(cString: strerror(errno)))
    }
    var reuse: Int32 = 1
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    guard bind(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0,
      Glibc.listen(socket, 64) == 0
    else {
      let reason = String(cString: strerror(errno))
      close(socket)
      throw MetricsAddressError(address: "\(host):\(port)", reason: reason)
    }
    return socket
  }

  private static func port(of socket: Int32) -> Int {
    var address = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return withUnsafeBytes(of: address) { bytes in
      // sin_port and sin6_port sit at the same offset, in network byte order.
      Int(UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }
  }
}

/// A metrics address that cannot be listened on.
public struct MetricsAddressError: Error, CustomStringConvertible {
  let address: String
  let reason: String

  public var description: String { "metrics address \(address): \(reason)" }
}
