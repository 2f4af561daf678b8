import Foundation
import ZeroMQ

/// A socket that cannot hang a test: linger 0, so the context terminates at once, and send and
/// receive timeouts, so a missing message fails the test with `EAGAIN` instead of blocking it.
func makeSocket(_ context: ZMQContext, _ type: SocketType) throws -> Socket {
  let socket = try Socket(context: context, type: type)
  try socket.setOption(.linger, 0)
  try socket.setOption(.receiveTimeout, 5_000)
  try socket.setOption(.sendTimeout, 5_000)
  return socket
}

/// Runs `body` with a fresh directory for its ipc:// endpoints, then removes the directory.
func withIPCDirectory<Result>(_ body: (IPCDirectory) throws -> Result) throws -> Result {
  let directory = try IPCDirectory()
  defer { directory.remove() }
  return try body(directory)
}

/// A temporary directory holding one test's ipc:// socket files, so parallel tests never share
/// an endpoint.
struct IPCDirectory {
  let path: String

  fileprivate init() throws {
    path =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("zmq-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// The endpoint for a socket file called `name` in this directory.
  func endpoint(_ name: String) -> String {
    "ipc://\(path)/\(name)"
  }

  fileprivate func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// `text` as bytes, for comparing frames.
func bytes(_ text: String) -> [UInt8] {
  Array(text.utf8)
}
