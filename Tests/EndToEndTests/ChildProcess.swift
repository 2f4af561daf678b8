import Foundation

/// A built executable running as a child process, its stdout and stderr captured in files so
/// that a child that writes a lot never blocks on a full pipe.
final class ChildProcess {
  private let process = Process()
  private let outputFile: URL
  private let errorFile: URL

  /// Starts `executable` with `arguments` (and `environment` added to this process's),
  /// capturing its output in files inside `directory`.
  init(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
    capturingIn directory: URL
  ) throws {
    let name = "\(executable.lastPathComponent)-\(UUID().uuidString.prefix(8))"
    outputFile = directory.appendingPathComponent("\(name).stdout")
    errorFile = directory.appendingPathComponent("\(name).stderr")
    try Data().write(to: outputFile)
    try Data().write(to: errorFile)
    let output = try FileHandle(forWritingTo: outputFile)
    let error = try FileHandle(forWritingTo: errorFile)
    // The child has its own copies of the descriptors once it runs.
    defer {
      try? output.close()
      try? error.close()
    }
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = error
    try process.run()
  }

  /// Everything the child has written to stdout so far.
  var standardOutput: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

  /// Everything the child has written to stderr so far.
  var standardError: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

  var isRunning: Bool { process.isRunning }

  /// The exit status; only meaningful once the child has exited.
  var exitStatus: Int32 { process.terminationStatus }

  /// Whether the child exited normally, rather than being killed by a signal.
  var exitedNormally: Bool { process.terminationReason == .exit }

  /// Waits for the child to exit, up to `seconds`; returns whether it did.
  func waitForExit(seconds: Double = 20) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while process.isRunning && ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(20))
    }
    return !process.isRunning
  }

  /// Sends `signal` to the child if it is still running.
  func send(_ signal: Int32) {
    if process.isRunning { kill(process.processIdentifier, signal) }
  }

  /// Kills the child if it is still running, for clean-up after a failed expectation.
  func stop() {
    send(SIGKILL)
    process.waitUntilExit()
  }
}
