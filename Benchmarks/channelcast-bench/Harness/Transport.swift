import ArgumentParser

/// The transport a scenario measures the daemon over. `compare` measures the raw ceiling and the
/// daemon over the same one, so that their ratio compares fan-out code, not kernels.
enum Transport: String, CaseIterable, ExpressibleByArgument {
  /// Unix-domain sockets in a temporary folder, as the daemons the harness starts use.
  case ipc
  /// tcp://127.0.0.1 on free ports, as a gateway on another host would connect.
  case tcp

  /// Endpoints for a daemon the harness starts: nil for its own ipc:// ones.
  func daemonEndpoints() throws -> (command: String, delivery: String)? {
    switch self {
    case .ipc: nil
    case .tcp:
      (
        "tcp://127.0.0.1:\(try LoopbackPort.free())",
        "tcp://127.0.0.1:\(try LoopbackPort.free())"
      )
    }
  }
}
