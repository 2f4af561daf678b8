#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The system calls key files are read and written with, turned into ``KeyFileError``s that
/// name the file.
enum KeyFileSystem {
  /// More than any key file or public-key file holds (about 150 bytes), so that a mistaken path
  /// such as /dev/zero is not read forever: what follows is cut and fails as a key.
  private static let readLimit = 65_536

  /// Whether anything, even a dangling symbolic link, is at `path`.
  static func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }

  /// The text of the file at `path`. With `ownerOnly`, a file that its group or others may
  /// access is refused, as ssh refuses such a private key: its secret may already be out.
  static func readText(_ path: String, ownerOnly: Bool) throws(KeyFileError) -> String {
    let descriptor = retryingInterrupted { open(path, O_RDONLY | O_CLOEXEC) }
    guard descriptor >= 0 else { throw unreadable(path) }
    defer { close(descriptor) }
    if ownerOnly {
      var status = stat()
      guard fstat(descriptor, &status) == 0 else { throw unreadable(path) }
      let permissions = UInt32(status.st_mode) & 0o7777
      guard permissions & 0o077 == 0 else {
        throw KeyFileError(source: path, reason: .accessibleByOthers(permissions: permissions))
      }
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < readLimit {
      let count = retryingInterrupted { read(descriptor, &chunk, chunk.count) }
      guard count >= 0 else { throw unreadable(path) }
      if count == 0 { break }
      bytes += chunk.prefix(count)
    }
    return String(decoding: bytes.prefix(readLimit), as: UTF8.self)
  }

  /// Writes `text` to `path` with exactly `permissions`, atomically: the text goes into a new
  /// file of mode 0600 beside `path` (`mkstemp`), which is then renamed to `path` or, without
  /// `overwrite`, linked to it, which fails if `path` exists. So no reader ever sees a half
  /// written file, and a secret key is never readable by others, even for a moment.
  static func writeAtomically(_ text: String, to path: String, permissions: mode_t, overwrite: Bool)
    throws(KeyFileError)
  {
    var template = Array("\(path).XXXXXX".utf8CString)
    let descriptor = mkstemp(&template)
    guard descriptor >= 0 else { throw unwritable(path, "create") }
    let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    // Already gone after a rename or a link's own unlink; here for every failure.
    defer { unlink(temporary) }
    do {
      defer { close(descriptor) }
      let bytes = Array(text.utf8)
      var written = 0
      while written < bytes.count {
        let count = retryingInterrupted {
          bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
        }
        guard count >= 0 else { throw unwritable(path, "write") }
        written += count
      }
      guard fchmod(descriptor, permissions) == 0 else { throw unwritable(path, "fchmod") }
      guard fsync(descriptor) == 0 else { throw unwritable(path, "fsync") }
    }
    if overwrite {
      guard rename(temporary, path) == 0 else { throw unwritable(path, "rename") }
    } else {
      guard link(temporary, path) == 0 else {
        if errno == EEXIST { throw KeyFileError(source: path, reason: .alreadyExists) }
        throw unwritable(path, "link")
      }
    }
  }

  /// Calls `call` again while it fails with `EINTR`.
  private static func retryingInterrupted<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
      let result = call()
      if result >= 0 || errno != EINTR { return result }
    }
  }

  private static func unreadable(_ path: String) -> KeyFileError {
    KeyFileError(source: path, reason: .unreadable(errno: errno))
  }

  private static func unwritable(_ path: String, _ operation: String) -> KeyFileError {
    KeyFileError(source: path, reason: .unwritable(operation: operation, errno: errno))
  }
}
