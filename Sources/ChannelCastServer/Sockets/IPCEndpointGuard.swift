#if canImport(Glibc)
  import Glibc
#endif

/// Refuses to bind an `ipc://` endpoint that another process is serving. libzmq would unlink
/// that process's socket file and take the path over silently, leaving two daemons each
/// believing it owns the endpoint.
enum IPCEndpointGuard {
  /// Throws if something accepts connections on the endpoint's socket file. A file left behind
  /// by a process that died refuses connections and is fine to bind over.
  static func ensureUnused(_ endpoint: String) throws(EndpointInUseError) {
    guard endpoint.hasPrefix("ipc://") else { return }
    let path = Array(endpoint.utf8.dropFirst("ipc://".count))
    var address = sockaddr_un()
    // Abstract names (`@...`) and paths too long for sockaddr_un are left to libzmq.
    guard path.first != UInt8(ascii: "@"),
      path.count < MemoryLayout.size(ofValue: address.sun_path)
    else { return }
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    if connected == 0 { throw EndpointInUseError(endpoint: endpoint) }
  }
}

/// Another process already serves an endpoint this daemon was told to bind.
public struct EndpointInUseError: Error, CustomStringConvertible {
  public let endpoint: String

  public var description: String {
    "\(endpoint) is in use by another process (is another channelcastd running?)"
  }
}
