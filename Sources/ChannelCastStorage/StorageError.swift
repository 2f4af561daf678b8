#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a record file or the data directory could not be used. The ``description`` of each case
/// is written for the operator who will read it in a log.
public enum StorageError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A system call failed: `operation` (such as `open` or `fdatasync`) on `path`, with `errno`.
  /// For a rename, `path` is "<source> to <destination>".
  case io(path: String, operation: String, errno: Int32)
  /// The file does not start with the magic of the `expected` kind ("journal" or "snapshot").
  case notARecordFile(path: String, expected: String)
  /// The file was written by a later channelcastd, in a format this one does not know.
  case newerFormat(path: String, fileVersion: UInt32, newestKnown: UInt32)
  /// The file is damaged at byte `offset`. `tornTail` tells an interrupted last append (drop
  /// the tail, keep the rest) from corruption with records after it.
  case damaged(path: String, offset: Int, reason: String, tornTail: Bool)
  /// The data directory at `path` is locked by another process; `holder` is the pid it wrote
  /// into the lock file, or empty when it has not written one yet.
  case locked(path: String, holder: String)

  public var description: String {
    switch self {
    case .io(let path, let operation, let errno):
      return "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    case .notARecordFile(let path, let expected):
      return "\(path) is not a channelcastd \(expected) file: it does not start with the "
        + "\(expected) header"
    case .newerFormat(let path, let fileVersion, let newestKnown):
      return "\(path) was written in format version \(fileVersion); this channelcastd reads "
        + "versions up to \(newestKnown)"
    case .damaged(let path, let offset, let reason, tornTail: true):
      return "\(path) ends with an incomplete record at byte \(offset) (\(reason)): an append "
        + "was cut short by a crash or power loss"
    case .damaged(let path, let offset, let reason, tornTail: false):
      return "\(path) is damaged at byte \(offset) (\(reason)) and has data after the damage; "
        + "--repair keeps a copy of the file and truncates it there, losing the records after it"
    case .locked(let path, let holder) where holder.isEmpty:
      return "data directory \(path) is in use by another channelcastd"
    case .locked(let path, let holder):
      return "data directory \(path) is in use by another channelcastd (pid \(holder))"
    }
  }

  /// The error the last system call on `path` reported; call it right after the failed call,
  /// before anything else can overwrite `errno`.
  static func lastIO(path: String, operation: String) -> StorageError {
    .io(path: path, operation: operation, errno: errno)
  }
}
