import Foundation

/// Fresh directories for a test's sockets and captured output, short enough for an `ipc://`
/// path (the kernel allows about 100 bytes).
enum TemporaryDirectory {
  /// Creates a new, empty directory; the caller removes it.
  static func create() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-e2e-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }
}
