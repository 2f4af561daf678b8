import ChannelCastClient
import Foundation
import ZeroMQ

/// The daemon a scenario measures: one it starts itself (release build, ipc:// endpoints in a
/// temporary folder) or one already running at given endpoints.
final class DaemonUnderTest {
  let commandEndpoint: String
  let deliveryEndpoint: String
  private let process: Process?
  private let directory: URL?

  /// The daemon's process ID, when this harness started it.
  var processID: Int32? { process?.processIdentifier }

  /// Connects to a running daemon.
  init(commandEndpoint: String, deliveryEndpoint: String) {
    self.commandEndpoint = commandEndpoint
    self.deliveryEndpoint = deliveryEndpoint
    process = nil
    directory = nil
  }

  /// Starts `binary` with `arguments` on fresh ipc:// endpoints, or on `endpoints` when given
  /// (`compare --transport tcp` measures the daemon over tcp://), and waits until it answers.
  init(
    binary: String, arguments: [String], endpoints: (command: String, delivery: String)? = nil
  ) throws {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw BenchmarkError(
        "no channelcastd at \(binary): build it with `swift build -c release` or pass --daemon")
    }
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    commandEndpoint = endpoints?.command ?? "ipc://\(directory.path)/command"
    deliveryEndpoint = endpoints?.delivery ?? "ipc://\(directory.path)/delivery"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments =
      [
        "--command-endpoint", commandEndpoint, "--delivery-endpoint", deliveryEndpoint,
        "--log-level", "warning",
      ] + arguments
    try process.run()
    self.process = process
    self.directory = directory
    try waitUntilAnswering(Deadline("channelcastd start", seconds: 15))
  }

  /// Pings until the daemon replies; throws if it exits or the deadline passes first.
  private func waitUntilAnswering(_ deadline: Deadline) throws {
    let context = try ZMQContext()
    let client = try ChannelCastClient(
      endpoint: commandEndpoint, context: context, timeoutMilliseconds: 200)
    while true {
      if let process, !process.isRunning {
        throw BenchmarkError("channelcastd exited with status \(process.terminationStatus)")
      }
      if (try? client.call("ping"))?.ok == true { return }
      try deadline.check()
    }
  }

  /// Resident memory of the daemon process (VmRSS), in bytes.
  func residentBytes() throws -> Int {
    guard let processID else {
      throw BenchmarkError("resident memory needs a daemon started by the harness (no --endpoint)")
    }
    let status = try String(contentsOfFile: "/proc/\(processID)/status", encoding: .utf8)
    guard
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { throw BenchmarkError("no VmRSS in /proc/\(processID)/status") }
    return kilobytes * 1024
  }

  /// Stops a daemon this harness started (SIGTERM, then SIGKILL after 10 s) and removes its
  /// folder.
  func stop() {
    if let process, process.isRunning {
      process.terminate()
      let deadline = Deadline("daemon stop", seconds: 10)
      while process.isRunning && !deadline.hasPassed { usleep(10_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    if let directory { try? FileManager.default.removeItem(at: directory) }
  }

  deinit {
    stop()
  }
}
