import ChannelCastStorage
import Foundation

/// The one file this process writes its inputs to, since `RecordFileReader` reads a path.
enum ScratchFile {
  private static let directory: URL = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "channelcast-journal-fuzzer-\(ProcessInfo.processInfo.processIdentifier)")
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      fatalError("cannot create \(directory.path): \(error)")
    }
    atexit { try? FileManager.default.removeItem(at: ScratchFile.directory) }
    return directory
  }()
  private static let path = directory.appendingPathComponent("input").path

  /// A reader of `bytes` written to the scratch file, or nil when the header does not read.
  static func reader(of bytes: UnsafeBufferPointer<UInt8>, kind: RecordFileKind)
    -> RecordFileReader?
  {
    guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)) else {
      fatalError("cannot write the scratch file \(path)")
    }
    return try? RecordFileReader(
      path: path, kind: kind, newestFormatVersion: JournalFuzzing.formatVersion)
  }
}
