import ArgumentParser

/// The transport `compare` measures over: the raw ceiling and the daemon use the same one, so
/// their ratio compares fan-out code, not kernels.
enum CompareTransport: String, CaseIterable, ExpressibleByArgument {
  /// Unix-domain sockets in a temporary folder, as the daemons the harness starts use.
  case ipc
  /// tcp://127.0.0.1 on free ports, as a gateway on another host would connect.
  case tcp
}
