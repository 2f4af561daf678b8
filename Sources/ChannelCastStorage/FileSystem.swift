#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The system calls the record files are made of, retried on `EINTR` and turned into
/// ``StorageError/io(path:operation:errno:)``.
enum FileSystem {
  /// Opens `path` (`open(2)` with `O_CLOEXEC` added) and returns its descriptor.
  static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(StorageError)
    -> Int32
  {
    while true {
      let descriptor = open(path, flags | O_CLOEXEC, mode)
      if descriptor >= 0 { return descriptor }
      if errno != EINTR { throw .lastIO(path: path, operation: "open") }
    }
  }

  /// Closes `descriptor`. Linux releases it even when close(2) fails, so there is nothing to
  /// retry or report.
  static func closeFile(_ descriptor: Int32) {
    _ = close(descriptor)
  }

  /// Writes all of `bytes` at `offset`, looping over partial writes.
  static func write(
    _ bytes: UnsafeRawBufferPointer, to descriptor: Int32, at offset: Int, path: String
  ) throws(StorageError) {
    var written = 0
    while written < bytes.count {
      let result = pwrite(
        descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
      if result >= 0 {
        written += result
      } else if errno != EINTR {
        throw .lastIO(path: path, operation: "write")
      }
    }
  }

  /// Writes all of `bytes` at `offset`, looping over partial writes.
  static func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int, path: String)
    throws(StorageError)
  {
    // Array.withUnsafeBytes rethrows untyped errors, so the typed error travels in a Result.
    try bytes.withUnsafeBytes { bytes in
      Result { () throws(StorageError) in
        try write(bytes, to: descriptor, at: offset, path: path)
      }
    }.get()
  }

  /// Flushes the file's data, and the metadata needed to read it back, to the disk.
  static func syncData(_ descriptor: Int32, path: String) throws(StorageError) {
    while fdatasync(descriptor) != 0 {
      if errno != EINTR { throw .lastIO(path: path, operation: "fdatasync") }
    }
  }

  /// Sets the file's length to `length`.
  static func truncate(_ descriptor: Int32, to length: Int, path: String) throws(StorageError) {
    while ftruncate(descriptor, off_t(length)) != 0 {
      if errno != EINTR { throw .lastIO(path: path, operation: "ftruncate") }
    }
  }

  /// The file's length in bytes.
  static func length(of descriptor: Int32, path: String) throws(StorageError) -> Int {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .lastIO(path: path, operation: "fstat") }
    return Int(status.st_size)
  }

  /// Flushes the directory's entries, so that files created, renamed or removed in it stay so
  /// after a power loss.
  static func syncDirectory(_ path: String) throws(StorageError) {
    let descriptor = try openFile(path, O_RDONLY | O_DIRECTORY)
    defer { close(descriptor) }
    while fsync(descriptor) != 0 {
      if errno != EINTR { throw .lastIO(path: path, operation: "fsync") }
    }
  }

  /// Creates the directory `path` and any missing parents with `mode`; an existing one is fine.
  static func makeDirectories(_ path: String, mode: mode_t) throws(StorageError) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, mode) != 0, errno != EEXIST {
        throw .lastIO(path: prefix, operation: "mkdir")
      }
    }
  }

  /// The names in directory `path`, without `.` and `..`.
  static func entries(of path: String) throws(StorageError) -> [String] {
    guard let directory = opendir(path) else { throw .lastIO(path: path, operation: "opendir") }
    defer { closedir(directory) }
    var names: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(directory) else {
        if errno != 0 { throw .lastIO(path: path, operation: "readdir") }
        return names
      }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { nameBytes in
        String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != ".", name != ".." { names.append(name) }
    }
  }

  /// Removes the file `path`; one that is already gone is fine.
  static func removeFile(_ path: String) throws(StorageError) {
    if unlink(path) != 0, errno != ENOENT { throw .lastIO(path: path, operation: "unlink") }
  }

  /// Renames `source` to `destination`, replacing it.
  static func renameFile(_ source: String, to destination: String) throws(StorageError) {
    if rename(source, destination) != 0 {
      throw .lastIO(path: "\(source) to \(destination)", operation: "rename")
    }
  }
}
