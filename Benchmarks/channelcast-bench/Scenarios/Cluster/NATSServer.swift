import Foundation

/// One nats-server of the cluster scenario: JetStream on a loopback port, routed to the other
/// servers of the cluster on their route ports, its configuration, store and log in `folder`.
/// `stop()` ends it (SIGTERM, then SIGKILL after 10 s); the cluster removes the folder.
final class NATSServer {
  let name: String
  let port: Int
  private let process = Process()

  var url: String { "nats://127.0.0.1:\(port)" }

  /// The nats-server to start: `given`, else the one on PATH, else Debian's /usr/sbin one; nil
  /// when there is none.
  static func executable(_ given: String?) -> String? {
    if let given { return FileManager.default.isExecutableFile(atPath: given) ? given : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return (path.split(separator: ":").map { "\($0)/nats-server" } + ["/usr/sbin/nats-server"])
      .first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Writes the configuration (`max_payload: 8MB`, as channelcastd's batches need) and starts
  /// the server; waits up to 10 s until it accepts connections.
  init(
    executable: String, name: String, port: Int, routePort: Int, routePorts: [Int], folder: URL
  ) throws {
    self.name = name
    self.port = port
    let configuration = """
      server_name: \(name)
      listen: 127.0.0.1:\(port)
      max_payload: 8MB
      jetstream { store_dir: "\(folder.appendingPathComponent("\(name)-store").path)" }
      cluster {
        name: channelcast-bench
        listen: 127.0.0.1:\(routePort)
        routes: [\(routePorts.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", "))]
      }

      """
    let configurationFile = folder.appendingPathComponent("\(name).conf")
    try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
    let log = try DaemonLog(url: folder.appendingPathComponent("\(name).log"))
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-c", configurationFile.path]
    process.standardOutput = try log.handleForWriting()
    process.standardError = try log.handleForWriting()
    try process.run()
    let deadline = Deadline("nats-server \(name) start", seconds: 10)
    while !LoopbackPort.isListening(port) {
      guard process.isRunning else {
        throw BenchmarkError(
          "nats-server \(name) exited with status \(process.terminationStatus):\n"
            + log.tail(10))
      }
      if deadline.hasPassed {
        stop()
        try deadline.check()
      }
      usleep(20_000)
    }
  }

  /// SIGTERM, then SIGKILL after 10 s.
  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Deadline("nats-server stop", seconds: 10)
    while process.isRunning && !deadline.hasPassed { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit {
    stop()
  }
}
