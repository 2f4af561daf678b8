import Foundation
import Testing

/// The built `channelcastd` running as a child process on `ipc://` endpoints in a fresh
/// temporary directory, and a way to run the built `channelcast` against it.
/// `stop()` kills whatever is still running and removes the directory.
final class DaemonProcess {
  let directory: URL
  let commandEndpoint: String
  let deliveryEndpoint: String
  let process: ChildProcess
  private let client: URL
  private var children: [ChildProcess] = []

  init() throws {
    let server = try BuiltProducts.executable(named: "channelcastd")
    client = try BuiltProducts.executable(named: "channelcast")
    directory = try TemporaryDirectory.create()
    commandEndpoint = "ipc://\(directory.path)/command"
    deliveryEndpoint = "ipc://\(directory.path)/delivery"
    process = try ChildProcess(
      server,
      [
        "--command-endpoint", commandEndpoint, "--delivery-endpoint", deliveryEndpoint,
        "--shards", "2", "--data-directory", directory.appendingPathComponent("data").path,
      ],
      capturingIn: directory)
  }

  /// Runs `channelcast` with `arguments` against this daemon and waits for it to finish.
  func channelcast(_ arguments: String...) async throws -> ChildProcess {
    let child = try startChannelCast(arguments + ["--endpoint", commandEndpoint])
    try #require(await child.waitForExit(), "channelcast \(arguments) did not finish")
    return child
  }

  /// Starts `channelcast tail` on this daemon's delivery socket without waiting for it.
  func startTail(_ arguments: String...) throws -> ChildProcess {
    try startChannelCast(["tail", "--delivery-endpoint", deliveryEndpoint] + arguments)
  }

  /// Kills every child still running and removes the directory.
  func stop() {
    for child in children { child.stop() }
    process.stop()
    try? FileManager.default.removeItem(at: directory)
  }

  private func startChannelCast(_ arguments: [String]) throws -> ChildProcess {
    let child = try ChildProcess(client, arguments, capturingIn: directory)
    children.append(child)
    return child
  }
}
