import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The daemon's data directory: its journals and snapshots, locked against a second
/// channelcastd for as long as this instance lives or until ``unlock()``.
///
/// Sendable: the lock's descriptor lives in a Mutex, everything else is immutable. The files
/// themselves belong to whoever writes them (the journal's owner, the snapshot writer).
public final class DataDirectory: Sendable {
  /// The directory, as given.
  public let path: String
  /// The locked `channelcastd.lock`, or nil once unlocked.
  private let lockDescriptor: Mutex<Int32?>

  /// The file whose flock(2) marks the directory as in use; it holds the owner's pid.
  static let lockFileName = "channelcastd.lock"

  /// Creates the directory (mode 0700, with its parents) if missing, locks it, writes this
  /// process's pid into the lock file and removes `*.tmp` files left by a crash.
  /// Throws ``StorageError/locked(path:holder:)`` when another process holds the lock.
  public init(path: String) throws(StorageError) {
    try FileSystem.makeDirectories(path, mode: 0o700)
    let lockPath = path + "/" + Self.lockFileName
    let descriptor = try FileSystem.openFile(lockPath, O_RDWR | O_CREAT, mode: 0o600)
    do throws(StorageError) {
      try Self.lock(descriptor, path: path, lockPath: lockPath)
      let pid = Array("\(getpid())\n".utf8)
      try FileSystem.truncate(descriptor, to: 0, path: lockPath)
      try FileSystem.write(pid, to: descriptor, at: 0, path: lockPath)
    } catch {
      FileSystem.closeFile(descriptor)
      throw error
    }
    self.path = path
    lockDescriptor = Mutex(descriptor)
    try removeFiles { $0.hasSuffix(".tmp") }
  }

  deinit {
    unlock()
  }

  /// Takes the exclusive lock on `descriptor` without waiting, or reports who holds it.
  private static func lock(_ descriptor: Int32, path: String, lockPath: String)
    throws(StorageError)
  {
    // A flock belongs to the open file description, so even a second DataDirectory in this
    // process on the same path is refused.
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      switch errno {
      case EINTR: continue
      case EWOULDBLOCK: throw .locked(path: path, holder: holder(of: descriptor))
      default: throw .lastIO(path: lockPath, operation: "flock")
      }
    }
  }

  /// The pid the lock's holder wrote into the lock file, or "" when there is none yet.
  private static func holder(of descriptor: Int32) -> String {
    var bytes = [UInt8](repeating: 0, count: 32)
    let count = pread(descriptor, &bytes, bytes.count, 0)
    guard count > 0 else { return "" }
    let digits = bytes.prefix(count).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    return String(decoding: digits, as: UTF8.self)
  }

  /// Releases the lock, so another channelcastd may use the directory. Unlocking twice is fine.
  public func unlock() {
    lockDescriptor.withLock { descriptor in
      guard let locked = descriptor else { return }
      // Closing the only descriptor of the lock file releases its flock.
      FileSystem.closeFile(locked)
      descriptor = nil
    }
  }
}
