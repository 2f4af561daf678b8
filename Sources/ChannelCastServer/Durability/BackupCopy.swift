import ChannelCastCore
import ChannelCastProtocol
import Foundation

/// Copies a fresh snapshot and the journal after it into a backup directory, each file synced
/// to disk before the backup is reported done.
struct BackupCopy {
  let destination: String

  /// Creates `destination` (with parents) unless it exists; it must hold nothing.
  func prepare() throws(ChannelCastError) {
    let files = FileManager.default
    do {
      try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
      guard try files.contentsOfDirectory(atPath: destination).isEmpty else {
        throw ChannelCastError(
          .invalidArgument, "backup directory \(destination) is not empty",
          details: .init(field: "directory"))
      }
    } catch let error as ChannelCastError {
      throw error
    } catch {
      throw ChannelCastError(
        .invalidArgument, "cannot use \(destination) as a backup directory: \(error)",
        details: .init(field: "directory"))
    }
  }

  /// Copies `paths` into the destination; returns the names and the bytes copied.
  func copy(_ paths: [String]) throws(ChannelCastError) -> (names: [String], bytes: Int) {
    var names: [String] = []
    var bytes = 0
    do {
      for path in paths {
        let name = (path as NSString).lastPathComponent
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        let target = (destination as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: target, contents: nil) else {
          throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        try handle.write(contentsOf: contents)
        try handle.synchronize()
        try handle.close()
        names.append(name)
        bytes += contents.count
      }
      let directory = try FileHandle(forReadingFrom: URL(fileURLWithPath: destination))
      try directory.synchronize()
      try directory.close()
    } catch {
      throw ChannelCastError(.internal, "the backup into \(destination) failed: \(error)")
    }
    return (names, bytes)
  }
}
