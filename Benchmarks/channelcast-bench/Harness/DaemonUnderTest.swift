import ChannelCastClient
import Foundation
import ZeroMQ

/// The daemon a scenario measures: one it starts itself (release build, ipc:// endpoints and
/// its data directory in a temporary folder, which is also its working directory) or one
/// already running at given endpoints.
///
/// A started daemon can be stopped cleanly and started again on the same data directory, to
/// measure what it leaves on disk and how long it takes to come back.
final class DaemonUnderTest {
  /// How long a start took as an operator sees it, and what the daemon said it recovered.
  struct Startup {
    /// From launching the process to its first answered ping.
    let secondsToFirstAnswer: Double
    let recovery: DaemonLog.Recovery
  }

  /// A file of the data directory and its size.
  struct DataFile {
    let name: String
    let bytes: Int
  }

  /// What the harness needs to start the daemon again.
  private struct Launch {
    let binary: String
    let arguments: [String]
    let folder: URL

    var dataDirectory: URL { folder.appendingPathComponent("data") }
  }

  private enum State {
    /// Running at --endpoint: not this harness's to stop, restart or inspect.
    case external
    /// Started here; `log` holds its standard error when it was captured.
    case running(Process, log: DaemonLog?)
    /// Stopped; its folder, with the data directory, is kept for a restart.
    case stopped
    /// Stopped and its folder removed.
    case removed
  }

  /// The file system of the folder started daemons get their data directories in.
  static var dataFilesystem: String {
    Filesystem.name(of: FileManager.default.temporaryDirectory.path)
  }

  let commandEndpoint: String
  let deliveryEndpoint: String
  /// The gateway socket of a started daemon; nil for a build without one (an earlier build
  /// given with --daemon) or a daemon given by --endpoint.
  let gatewayEndpoint: String?
  /// What every client must connect with when the daemon was started with CURVE keys, else nil.
  let curve: CurveClientCredentials?
  /// The loopback port of the started daemon's `/metrics`; nil for a daemon given by --endpoint.
  let metricsPort: Int?
  private let launch: Launch?
  private var state: State
  private var restarts = 0

  /// The daemon's process ID, while a daemon this harness started is running.
  var processID: Int32? {
    guard case .running(let process, _) = state else { return nil }
    return process.processIdentifier
  }

  /// The standard error of a running daemon this harness started, when it was captured.
  var log: DaemonLog? {
    guard case .running(_, let log) = state else { return nil }
    return log
  }

  /// Connects to a running daemon.
  init(commandEndpoint: String, deliveryEndpoint: String) {
    self.commandEndpoint = commandEndpoint
    self.deliveryEndpoint = deliveryEndpoint
    gatewayEndpoint = nil
    curve = nil
    metricsPort = nil
    launch = nil
    state = .external
  }

  /// Starts `binary` with `arguments` on fresh ipc:// endpoints, or on `endpoints` when given
  /// (`compare --transport tcp` measures the daemon over tcp://), with `--data-directory` in
  /// its temporary folder, and waits until it answers. With `capturingInfoLog` it logs at info
  /// level into a file of that folder (`log`), else at warning level to the terminal. With
  /// `curveKeys` it requires CURVE: its key file and clients file are written into that folder.
  /// `folder` names that folder (a node of the cluster scenario's, inside the cluster's folder)
  /// instead of a fresh one in the temporary directory; `startSeconds` bounds the wait for its
  /// first answer (a cluster node first joins the cluster).
  init(
    binary: String, arguments: [String], endpoints: (command: String, delivery: String)? = nil,
    capturingInfoLog: Bool = false, curveKeys: DaemonCurveKeys? = nil, folder: URL? = nil,
    startSeconds: Double = 15
  ) throws {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw BenchmarkError(
        "no channelcastd at \(binary): build it with `swift build -c release` or pass --daemon")
    }
    let folder =
      folder
      ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    commandEndpoint = endpoints?.command ?? "ipc://\(folder.path)/command"
    deliveryEndpoint = endpoints?.delivery ?? "ipc://\(folder.path)/delivery"
    // Never the default tcp port: benchmarks and tests on the machine must not collide there.
    let gatewayEndpoint =
      try Self.hasGatewaySocket(binary)
      ? (endpoints == nil
        ? "ipc://\(folder.path)/gateway" : "tcp://127.0.0.1:\(LoopbackPort.free())")
      : nil
    self.gatewayEndpoint = gatewayEndpoint
    let metricsPort = try LoopbackPort.free()
    self.metricsPort = metricsPort
    let launch = Launch(
      binary: binary,
      arguments: [
        "--command-endpoint", commandEndpoint, "--delivery-endpoint", deliveryEndpoint,
        "--data-directory", folder.appendingPathComponent("data").path,
        "--metrics-address", "127.0.0.1:\(metricsPort)",
      ] + (gatewayEndpoint.map { ["--gateway-endpoint", $0] } ?? [])
        + (curveKeys == nil ? [] : DaemonCurveKeys.daemonArguments(folder: folder)) + arguments,
      folder: folder)
    self.launch = launch
    curve = curveKeys?.clientCredentials
    state = .stopped  // until it runs: a failed start still removes the folder
    try curveKeys?.write(into: folder)
    let log =
      capturingInfoLog
      ? try DaemonLog(url: folder.appendingPathComponent("channelcastd.log")) : nil
    let process = try Self.run(launch, logLevel: log == nil ? "warning" : "info", log: log)
    state = .running(process, log: log)
    try waitUntilAnswering(
      process, log: log, Deadline("channelcastd start", seconds: startSeconds))
  }

  /// Whether `binary` has a gateway socket (builds before it do not know the flag).
  private static func hasGatewaySocket(_ binary: String) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["--help"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let help = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: help, as: UTF8.self).contains("--gateway-endpoint")
  }

  private static func run(_ launch: Launch, logLevel: String, log: DaemonLog?) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: launch.binary)
    process.arguments = launch.arguments + ["--log-level", logLevel]
    process.currentDirectoryURL = launch.folder
    if let log { process.standardError = try log.handleForWriting() }
    try process.run()
    return process
  }

  /// Waits until the daemon answers a ping; throws if it exits or the deadline passes first.
  ///
  /// The daemon binds its command socket only once it has recovered, so on ipc:// the socket
  /// file appearing is the moment to connect: waiting for it (every millisecond) rather than
  /// for libzmq's reconnect interval (100 ms) keeps a restart's timing to the millisecond.
  private func waitUntilAnswering(_ process: Process, log: DaemonLog?, _ deadline: Deadline)
    throws
  {
    func checkRunning() throws {
      guard process.isRunning else {
        let output = log.map { ":\n" + $0.tail(10) } ?? ""
        throw BenchmarkError(
          "channelcastd exited with status \(process.terminationStatus)\(output)")
      }
    }
    if commandEndpoint.hasPrefix("ipc://") {
      let path = String(commandEndpoint.dropFirst("ipc://".count))
      while !FileManager.default.fileExists(atPath: path) {
        try checkRunning()
        try deadline.check()
        usleep(1000)
      }
    }
    let context = try ZMQContext()
    let client = try ChannelCastClient(
      endpoint: commandEndpoint, context: context, timeoutMilliseconds: 10, curve: curve)
    var lastPing: UInt64 = 0
    while true {
      // Pings are not lost once connected; sending one every 200 ms covers a connection
      // that libzmq had to retry.
      if MonotonicClock.nanoseconds() - lastPing > 200_000_000 {
        try client.send(client.request(.ping))
        lastPing = MonotonicClock.nanoseconds()
      }
      if (try? client.receiveReply())?.ok == true { return }
      try checkRunning()
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

  /// How a daemon this harness started has ended ("killed by signal 11"), or nil while it runs
  /// (and for one at --endpoint, which cannot be watched): the stress scenario's crash check.
  var exitDescription: String? {
    guard case .running(let process, _) = state, !process.isRunning else { return nil }
    return process.terminationReason == .exit
      ? "exited with status \(process.terminationStatus)"
      : "killed by signal \(process.terminationStatus)"
  }

  /// The files in the data directory of a daemon this harness started, with their sizes.
  func dataFiles() throws -> [DataFile] {
    let directory = try dataDirectory()
    return try dataFileNames().map { name in
      let attributes = try FileManager.default.attributesOfItem(
        atPath: directory.appendingPathComponent(name).path)
      return DataFile(name: name, bytes: (attributes[.size] as? Int) ?? 0)
    }
  }

  /// The names of the files in the data directory, sorted. Unlike `dataFiles()` this is safe
  /// while the daemon removes files, as it does after each background snapshot.
  func dataFileNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dataDirectory().path).sorted()
  }

  private func dataDirectory() throws -> URL {
    guard let launch, !isRemoved else {
      throw BenchmarkError("the data directory belongs to a daemon started by the harness")
    }
    return launch.dataDirectory
  }

  /// Stops a started daemon as an operator would (SIGTERM: it finishes its fan-outs, writes a
  /// snapshot and exits 0) and keeps its data directory. Returns the seconds from the signal
  /// to the exit; throws if it exits otherwise or is still running after `seconds` (then it is
  /// killed).
  func stopCleanly(within seconds: Double) throws -> Double {
    guard case .running(let process, let log) = state else {
      throw BenchmarkError("only a running daemon started by the harness can be stopped")
    }
    let start = MonotonicClock.nanoseconds()
    process.terminate()
    let deadline = Deadline("channelcastd clean stop (SIGTERM to exit)", seconds: seconds)
    while process.isRunning && !deadline.hasPassed { usleep(1000) }
    let elapsed = MonotonicClock.seconds(since: start)
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    state = .stopped
    log.map(Self.passOnProblems)
    try deadline.check()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw BenchmarkError(
        "channelcastd ended with \(process.terminationReason == .exit ? "status" : "signal") "
          + "\(process.terminationStatus) after SIGTERM; a clean stop exits 0")
    }
    return elapsed
  }

  /// Kills a started daemon with SIGKILL, as a crash would (no snapshot, no goodbye to a
  /// cluster), and waits for it to end; keeps its folder until `stop()`. Returns the monotonic
  /// nanoseconds just before the signal.
  @discardableResult
  func killAbruptly() throws -> UInt64 {
    guard case .running(let process, _) = state else {
      throw BenchmarkError("only a running daemon started by the harness can be killed")
    }
    let signalled = MonotonicClock.nanoseconds()
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    state = .stopped
    return signalled
  }

  /// Starts a cleanly stopped daemon again on the same endpoints and data directory, logging at
  /// info level into its folder, and waits (up to `seconds`) until it answers.
  func restart(within seconds: Double) throws -> Startup {
    guard case .stopped = state, let launch else {
      throw BenchmarkError("only a daemon stopped with stopCleanly can be restarted")
    }
    // A socket file left behind would be connected to (and refused) before the new daemon
    // binds, and libzmq would retry only 100 ms later.
    for path in leftoverSocketFiles { try FileManager.default.removeItem(atPath: path) }
    restarts += 1
    let log = try DaemonLog(
      url: launch.folder.appendingPathComponent("channelcastd-restart-\(restarts).log"))
    let start = MonotonicClock.nanoseconds()
    let process = try Self.run(launch, logLevel: "info", log: log)
    state = .running(process, log: log)
    try waitUntilAnswering(
      process, log: log, Deadline("channelcastd restart (recovery)", seconds: seconds))
    let secondsToFirstAnswer = MonotonicClock.seconds(since: start)
    return Startup(secondsToFirstAnswer: secondsToFirstAnswer, recovery: try log.recovery())
  }

  /// The ipc:// socket files of the endpoints that exist (after a stop: left behind).
  var leftoverSocketFiles: [String] {
    [commandEndpoint, deliveryEndpoint, gatewayEndpoint ?? ""].filter { $0.hasPrefix("ipc://") }
      .map {
        String($0.dropFirst("ipc://".count))
      }.filter { FileManager.default.fileExists(atPath: $0) }
  }

  private var isRemoved: Bool {
    if case .removed = state { return true }
    return false
  }

  private static func passOnProblems(_ log: DaemonLog) {
    for line in log.problems {
      FileHandle.standardError.write(Data("channelcastd: \(line)\n".utf8))
    }
  }

  /// Stops a daemon this harness started (SIGTERM, then SIGKILL after 10 s) and removes its
  /// folder.
  func stop() {
    if case .running(let process, let log) = state {
      if process.isRunning {
        process.terminate()
        let deadline = Deadline("daemon stop", seconds: 10)
        while process.isRunning && !deadline.hasPassed { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      }
      process.waitUntilExit()
      log.map(Self.passOnProblems)
      state = .stopped
    }
    if case .stopped = state, let launch {
      try? FileManager.default.removeItem(at: launch.folder)
      state = .removed
    }
  }

  deinit {
    stop()
  }
}
