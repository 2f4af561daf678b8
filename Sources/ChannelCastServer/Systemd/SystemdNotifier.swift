import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Tells systemd how the service is doing (`sd_notify`): one datagram per message to the
/// socket named by `NOTIFY_SOCKET`, a path or, with a leading `@`, a name in the abstract
/// namespace. Without `NOTIFY_SOCKET` (not started by systemd with `Type=notify`) it does
/// nothing. No libsystemd: the protocol is one `sendto`.
public final class SystemdNotifier: Sendable {
  private let socketPath: String?

  /// Reads `NOTIFY_SOCKET` from `environment`.
  public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Whether systemd listens.
  public var isEnabled: Bool { socketPath != nil }

  /// Sends `state` (newline-separated `KEY=value` assignments, e.g. `READY=1`).
  public func notify(_ state: String) {
    guard let socketPath else { return }
    let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    var path = Array(socketPath.utf8)
    if path.first == UInt8(ascii: "@") { path[0] = 0 }  // the abstract namespace
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.count < capacity else { return }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path[0] == 0 ? 0 : 1))
    let message = Array(state.utf8)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
        message.withUnsafeBytes {
          sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length)
        }
      }
    }
  }

  /// The watchdog interval systemd expects pings within (`WATCHDOG_USEC`, for this process
  /// when `WATCHDOG_PID` is set), or nil when the unit has no `WatchdogSec=`.
  public static func watchdogInterval(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Duration? {
    guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text),
      microseconds > 0
    else { return nil }
    if let pid = environment["WATCHDOG_PID"], Int32(pid) != getpid() { return nil }
    return .microseconds(microseconds)
  }
}
