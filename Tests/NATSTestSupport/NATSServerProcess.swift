import Foundation

/// A `nats-server` with JetStream on a loopback port, its store in a temporary folder; stopped
/// and removed by `stop()`. With `cluster`, one of several servers that route to each other.
public final class NATSServerProcess {
  public let name: String
  public let port: Int
  public let folder: URL
  private let process = Process()

  public var url: String { "nats://127.0.0.1:\(port)" }

  /// Starts the server and waits until it accepts connections (up to 10 s). With `folder`
  /// (the folder of a server that was killed), it starts again on that one's store.
  /// `host` is the address clients connect on (`0.0.0.0` for every interface).
  public init(
    name: String = "n1", port: Int, clusterPort: Int? = nil, routes: [Int] = [],
    folder existing: URL? = nil, host: String = "127.0.0.1"
  ) throws {
    self.name = name
    self.port = port
    folder =
      existing
      ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-nats-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var config = """
      server_name: \(name)
      listen: \(host):\(port)
      max_payload: 8MB
      jetstream { store_dir: "\(folder.path)/store", max_memory_store: 64MB, max_file_store: 256MB }

      """
    if let clusterPort {
      config += """
        cluster {
          name: channelcast-test
          listen: 127.0.0.1:\(clusterPort)
          routes: [\(routes.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", "))]
        }

        """
    }
    let configFile = folder.appendingPathComponent("\(name).conf")
    try config.write(to: configFile, atomically: true, encoding: .utf8)
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/nats-server")
    process.arguments = ["-c", configFile.path]
    let logPath = folder.appendingPathComponent("\(name).log").path
    if !FileManager.default.fileExists(atPath: logPath) {
      FileManager.default.createFile(atPath: logPath, contents: nil)
    }
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    log.seekToEndOfFile()
    process.standardOutput = log
    process.standardError = log
    try process.run()
    let deadline = Date().addingTimeInterval(10)
    while !Self.accepts(port: port) {
      guard Date() < deadline, process.isRunning else {
        stop()
        throw NATSTestError("nats-server on port \(port) did not start")
      }
      usleep(20_000)
    }
  }

  /// Stops the server's process without ending it (SIGSTOP): connections stay open and
  /// nothing answers, as with a server that hangs; `resume()` lets it go on.
  public func pause() {
    _ = process.suspend()
  }

  public func resume() {
    _ = process.resume()
  }

  /// Kills the server (SIGKILL), keeping its folder, as a crash would; start it again with
  /// `init(name:port:clusterPort:routes:folder:)`.
  public func kill() {
    guard process.isRunning else { return }
    resume()
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  public func stop() {
    if process.isRunning {
      // A paused server would not act on the termination signal.
      resume()
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: folder)
  }

  /// A loopback port nothing listens on now (bound and released).
  public static func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
      }
    }
    guard bound else { throw NATSTestError("no free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  private static func accepts(port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}

public struct NATSTestError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
