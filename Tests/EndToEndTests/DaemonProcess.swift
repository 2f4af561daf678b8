import ChannelCastClient
import Foundation
import Testing
import ZeroMQ

/// The built `channelcastd` running as a child process on `ipc://` endpoints in a temporary
/// directory, and a way to run the built `channelcast` against it. It can be killed and started
/// again on the same data directory. `stop()` kills whatever is still running and removes the
/// directory when the daemon made it.
final class DaemonProcess {
  /// Where the sockets, the captured output and (unless given) the data directory are.
  let directory: URL
  let dataDirectory: URL
  let commandEndpoint: String
  let deliveryEndpoint: String
  let gatewayEndpoint: String
  /// The running (or last) `channelcastd`.
  private(set) var process: ChildProcess
  /// Every argument `channelcastd` is started with.
  let arguments: [String]
  /// Variables added to the environment of every start.
  let environment: [String: String]
  private let server: URL
  private let client: URL
  private let ownsDirectory: Bool
  private var children: [ChildProcess] = []

  /// A daemon in a fresh temporary directory, with its data directory inside it.
  convenience init(arguments: [String] = []) throws {
    let directory = try TemporaryDirectory.create()
    do {
      try self.init(
        in: directory, dataDirectory: directory.appendingPathComponent("data"),
        arguments: arguments, ownsDirectory: true)
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
  }

  /// A daemon whose sockets are named `<name>-command` and `<name>-delivery` in `directory`,
  /// which the caller made and removes, on `dataDirectory` (which may hold data already). With
  /// `networkNamespace`, it runs in that network namespace (`ip netns exec`); its `ipc://`
  /// sockets, being files, are reached from everywhere all the same.
  convenience init(
    in directory: URL, name: String = "channelcastd", dataDirectory: URL, arguments: [String] = [],
    environment: [String: String] = [:], networkNamespace: String? = nil
  ) throws {
    try self.init(
      in: directory, name: name, dataDirectory: dataDirectory, arguments: arguments,
      environment: environment, ownsDirectory: false, networkNamespace: networkNamespace)
  }

  private init(
    in directory: URL, name: String = "channelcastd", dataDirectory: URL, arguments: [String],
    environment: [String: String] = [:], ownsDirectory: Bool, networkNamespace: String? = nil
  ) throws {
    let daemon = try BuiltProducts.executable(named: "channelcastd")
    server = networkNamespace == nil ? daemon : URL(fileURLWithPath: "/usr/sbin/ip")
    client = try BuiltProducts.executable(named: "channelcast")
    self.directory = directory
    self.dataDirectory = dataDirectory
    self.ownsDirectory = ownsDirectory
    commandEndpoint = "ipc://\(directory.path)/\(name)-command"
    deliveryEndpoint = "ipc://\(directory.path)/\(name)-delivery"
    gatewayEndpoint = "ipc://\(directory.path)/\(name)-gateway"
    self.arguments =
      (networkNamespace.map { ["netns", "exec", $0, daemon.path] } ?? []) + [
        "--command-endpoint", commandEndpoint, "--delivery-endpoint", deliveryEndpoint,
        "--gateway-endpoint", gatewayEndpoint,
        "--shards", "2", "--data-directory", dataDirectory.path, "--metrics-address", "127.0.0.1:0",
      ] + arguments
    self.environment = environment
    process = try ChildProcess(
      server, self.arguments, environment: environment, capturingIn: directory)
  }

  /// Runs `channelcast` with `arguments` against this daemon and waits for it to finish.
  func channelcast(_ arguments: String...) async throws -> ChildProcess {
    try await channelcast(arguments)
  }

  /// Runs `channelcast` with `arguments` against this daemon and waits for it to finish.
  func channelcast(_ arguments: [String]) async throws -> ChildProcess {
    let child = try startChannelCast(arguments + ["--endpoint", commandEndpoint])
    // Generous: under the parallel test run a command's start and its 10 s timeout can
    // outlast the default 20 s.
    try #require(
      await child.waitForExit(seconds: 60), "channelcast \(arguments) did not finish")
    return child
  }

  /// Starts `channelcast tail` on this daemon's delivery socket without waiting for it.
  func startTail(_ arguments: String...) throws -> ChildProcess {
    try startChannelCast(["tail", "--delivery-endpoint", deliveryEndpoint] + arguments)
  }

  /// A client of this daemon's command socket.
  func client(timeoutMilliseconds: Int = 10_000) throws -> ChannelCastClient {
    try ChannelCastClient(
      endpoint: commandEndpoint, context: .endToEndTests, timeoutMilliseconds: timeoutMilliseconds)
  }

  /// Waits until the daemon answers `ping`, up to `seconds`; the test fails, with the daemon's
  /// stderr, if it exits or does not answer in time.
  func waitUntilServing(seconds: Double = 20) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      try #require(process.isRunning, "channelcastd exited: \(process.standardError)")
      // A fresh client per try: a request that timed out stays queued in its socket.
      if (try? client(timeoutMilliseconds: 100).callJSON("ping").ok) == true { return }
    }
    throw UnexpectedReply(
      description: "channelcastd did not answer ping within \(seconds) s: \(process.standardError)")
  }

  /// Kills the daemon with SIGKILL, a crash that leaves no chance to clean up, and waits for it.
  func kill9() async throws {
    process.send(SIGKILL)
    try #require(await process.waitForExit(), "channelcastd did not die on SIGKILL")
  }

  /// Stops the daemon with SIGTERM and waits for it; the test fails unless it exits 0.
  func terminate() async throws {
    process.send(SIGTERM)
    try #require(await process.waitForExit(), "channelcastd did not stop on SIGTERM")
    #expect(process.exitedNormally && process.exitStatus == 0, "\(process.standardError)")
  }

  /// Starts `channelcastd` again with the same arguments, after the last one has exited.
  func restart() throws {
    precondition(!process.isRunning, "restart while channelcastd is running")
    process = try ChildProcess(server, arguments, environment: environment, capturingIn: directory)
  }

  /// The pid of the running `channelcastd`, found in `/proc` by its command endpoint, which no
  /// other process has.
  var processIdentifier: Int32? {
    let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for case let pid? in processes.map({ Int32($0) }) {
      guard
        let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
        let executable = commandLine.split(separator: 0).first
      else { continue }
      let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      if String(decoding: executable, as: UTF8.self).hasSuffix("channelcastd"),
        arguments.contains(commandEndpoint)
      {
        return pid
      }
    }
    return nil
  }

  /// Kills every child still running and removes the directory if the daemon made it.
  func stop() {
    for child in children { child.stop() }
    process.stop()
    if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
  }

  func startChannelCast(_ arguments: [String]) throws -> ChildProcess {
    let child = try ChildProcess(client, arguments, capturingIn: directory)
    children.append(child)
    return child
  }
}

extension ZMQContext {
  /// The one context of the test process's client sockets; it lives as long as the process.
  static let endToEndTests = try! ZMQContext()
}
