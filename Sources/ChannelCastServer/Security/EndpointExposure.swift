/// Whether an endpoint can be reached from other machines: anything but a tcp address on the
/// loopback interface, an ipc path or an inproc name.
enum EndpointExposure {
  static func isLoopbackOnly(_ endpoint: String) -> Bool {
    if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
    guard endpoint.hasPrefix("tcp://") else { return false }  // pgm, udp, ws, ...
    let address = endpoint.dropFirst("tcp://".count)
    // A tcp bind is interface:port; the interface is an address, a name or `*`.
    guard let colon = address.lastIndex(of: ":") else { return false }
    var host = address[..<colon]
    if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
    return host == "localhost" || host == "lo" || host == "::1" || isIPv4Loopback(host)
  }

  /// 127.0.0.0/8, written as four decimal numbers.
  private static func isIPv4Loopback(_ host: Substring) -> Bool {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "127"
      && parts.allSatisfy { part in UInt8(part) != nil }
  }
}
