import Foundation

/// A network namespace joined to this one by a veth pair (this side `hostAddress`, the other
/// `namespaceAddress`, a /24), for a process to be cut off the network and joined again:
/// `cut()` takes this side's link down, `heal()` brings it up. `remove()` deletes the namespace
/// and with it the pair. Needs root and `ip` (iproute2).
final class NetworkNamespace {
  let name: String
  let hostAddress: String
  let namespaceAddress: String
  private let hostLink: String

  /// Whether this machine can make one: root, `ip` installed, and a namespace with a veth
  /// pair made and removed (a container may allow neither).
  static let available: Bool = {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else {
      return false
    }
    guard let probe = try? NetworkNamespace(subnet: 254) else { return false }
    probe.remove()
    return true
  }()

  /// `subnet` is the third octet of 10.201.x.0/24.
  init(subnet: Int) throws {
    name = "cc-test-\(subnet)"
    hostLink = "cch\(subnet)"
    hostAddress = "10.201.\(subnet).1"
    namespaceAddress = "10.201.\(subnet).2"
    try? Self.ip(["netns", "del", name])
    let inside = "ccn\(subnet)"
    do {
      try Self.ip(["netns", "add", name])
      try Self.ip(["link", "add", hostLink, "type", "veth", "peer", "name", inside])
      try Self.ip(["link", "set", inside, "netns", name])
      try Self.ip(["addr", "add", "\(hostAddress)/24", "dev", hostLink])
      try Self.ip(["link", "set", hostLink, "up"])
      try Self.ip(["-n", name, "addr", "add", "\(namespaceAddress)/24", "dev", inside])
      try Self.ip(["-n", name, "link", "set", inside, "up"])
      try Self.ip(["-n", name, "link", "set", "lo", "up"])
    } catch {
      remove()
      throw error
    }
  }

  func cut() throws { try Self.ip(["link", "set", hostLink, "down"]) }

  func heal() throws { try Self.ip(["link", "set", hostLink, "up"]) }

  func remove() {
    try? Self.ip(["netns", "del", name])
    try? Self.ip(["link", "del", hostLink])
  }

  private static func ip(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw UnexpectedReply(description: "ip \(arguments.joined(separator: " ")) failed")
    }
  }
}
