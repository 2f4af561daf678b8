import ChannelCastClient
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The built daemon tells systemd how it is doing over `NOTIFY_SOCKET`, to a datagram socket
/// the test owns: `READY=1` once the command socket answers, `WATCHDOG=1` at half of
/// `WATCHDOG_USEC`, `STOPPING=1` on SIGTERM.
@Suite struct SystemdNotifyTests {
  @Test func readyWatchdogAndStoppingReachTheNotifySocket() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let socketPath = directory.appendingPathComponent("notify").path
    let systemd = try NotifySocket(path: socketPath)
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
    defer { daemon.stop() }

    let ready = try #require(systemd.wait(for: "READY=1", seconds: 20), "no READY=1")
    // When READY=1 arrives, the command socket answers at once.
    #expect(try daemon.client(timeoutMilliseconds: 2000).callJSON("ping").ok)
    #expect(ready.contains("STATUS="))

    // WATCHDOG_USEC is 400 ms: a ping every 200 ms.
    let pingsStart = ContinuousClock.now
    var pings = 0
    while ContinuousClock.now - pingsStart < .seconds(2) {
      if systemd.wait(for: "WATCHDOG=1", seconds: 1) != nil { pings += 1 }
    }
    #expect((6...14).contains(pings), "\(pings) pings in 2 s")

    try await daemon.terminate()
    #expect(systemd.wait(for: "STOPPING=1", seconds: 5) != nil || systemd.saw("STOPPING=1"))
  }
}

/// A datagram socket standing in for systemd's notification socket.
private final class NotifySocket {
  private let descriptor: Int32
  private var seen: [String] = []

  init(path: String) throws {
    descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    try #require(bound == 0, "bind \(path): \(String(cString: strerror(errno)))")
  }

  deinit { close(descriptor) }

  /// The next message containing `text`, waiting up to `seconds`; nil if none came.
  func wait(for text: String, seconds: Double) -> String? {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 50) > 0 else { continue }
      var buffer = [UInt8](repeating: 0, count: 4096)
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { continue }
      let message = String(decoding: buffer[..<count], as: UTF8.self)
      seen.append(message)
      if message.contains(text) { return message }
    }
    return nil
  }

  func saw(_ text: String) -> Bool { seen.contains { $0.contains(text) } }
}
