import ChannelCastProtocol

/// What the service passes on to the daemon for the operations on its files (the service knows
/// nothing of disks).
///
/// Ownership: called on the service's thread.
public protocol ServiceAdministration: AnyObject {
  /// Copies the daemon's data, consistent as of now, into `directory` (absolute, new or empty).
  func backup(to directory: String) throws(ChannelCastError) -> BackupReport
}

/// What a backup wrote.
public struct BackupReport: Sendable, Equatable {
  public let directory: String
  /// The file names written into `directory`.
  public let files: [String]
  /// The snapshot generation the backup holds.
  public let generation: UInt64
  public let bytes: Int

  public init(directory: String, files: [String], generation: UInt64, bytes: Int) {
    self.directory = directory
    self.files = files
    self.generation = generation
    self.bytes = bytes
  }
}

extension ChannelCastService {
  func backup(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    guard let directory = try request.string("directory"), !directory.isEmpty else {
      throw .missing("directory")
    }
    guard directory.hasPrefix("/") else {
      throw .invalid(
        "directory",
        "directory must be an absolute path on the daemon's machine; \"\(directory)\" is not")
    }
    guard let administration else {
      throw ChannelCastError(.internal, "this daemon keeps no data to back up")
    }
    let report = try administration.backup(to: directory)
    var result = JSONObjectWriter()
    result.add("directory", report.directory)
    var files = JSONArrayWriter()
    for file in report.files { files.append(file) }
    result.add("files", array: files)
    result.add("generation", report.generation)
    result.add("bytes", report.bytes)
    return result
  }
}
