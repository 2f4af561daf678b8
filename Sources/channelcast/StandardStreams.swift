import Foundation

/// Writes whole lines straight to the process's stdout and stderr.
///
/// `FileHandle` writes go to the file descriptor at once, so every line is flushed as soon as it
/// is printed, which `tail` piped into another program relies on.
enum StandardStreams {
  /// Writes `bytes` and a newline to stdout.
  static func printLine(_ bytes: some Collection<UInt8>) {
    var line = [UInt8](bytes)
    line.append(UInt8(ascii: "\n"))
    FileHandle.standardOutput.write(Data(line))
  }

  /// Writes `channelcast: <message>` and a newline to stderr.
  static func printError(_ message: String) {
    FileHandle.standardError.write(Data("channelcast: \(message)\n".utf8))
  }
}
