#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Appends records to one record file.
///
/// One owner at a time uses it; only ``sync()`` may run on another thread meanwhile, because
/// fdatasync(2) on a descriptor is safe alongside a write to it. That is why it is
/// `@unchecked Sendable`: the owner must not ``close()`` it while another thread syncs.
public final class RecordFileWriter: @unchecked Sendable {
  /// The file being written.
  public let path: String
  /// Bytes in the file: its header and every record written so far.
  public private(set) var length: Int
  private let descriptor: Int32
  private var isClosed = false

  private init(path: String, descriptor: Int32, length: Int) {
    self.path = path
    self.descriptor = descriptor
    self.length = length
  }

  deinit {
    close()
  }

  /// Creates the file `path`, which must not exist yet (mode 0600), and writes `header`.
  /// Nothing is synced: call ``sync()`` and sync the directory to make the file durable.
  public static func create(path: String, header: RecordFileHeader) throws(StorageError)
    -> RecordFileWriter
  {
    let descriptor = try FileSystem.openFile(path, O_CREAT | O_EXCL | O_WRONLY, mode: 0o600)
    let writer = RecordFileWriter(path: path, descriptor: descriptor, length: 0)
    do throws(StorageError) {
      try FileSystem.write(header.encoded, to: descriptor, at: 0, path: path)
    } catch {
      writer.close()
      try? FileSystem.removeFile(path)
      throw error
    }
    writer.length = RecordFileFormat.headerLength
    return writer
  }

  /// Opens the existing file `path` to append after its first `validLength` bytes, cutting off
  /// (and syncing away) whatever follows them: the torn tail a reader reported. A
  /// `validLength` inside the header, or past the end of the file, is thrown as
  /// ``StorageError/damaged(path:offset:reason:tornTail:)``.
  public static func openForAppend(path: String, validLength: Int) throws(StorageError)
    -> RecordFileWriter
  {
    guard validLength >= RecordFileFormat.headerLength else {
      // A file torn inside its header holds no record: remove it and create it again.
      throw .damaged(
        path: path, offset: validLength,
        reason: "cannot append inside the \(RecordFileFormat.headerLength)-byte header",
        tornTail: true)
    }
    let descriptor = try FileSystem.openFile(path, O_WRONLY)
    let writer = RecordFileWriter(path: path, descriptor: descriptor, length: validLength)
    let fileLength = try FileSystem.length(of: descriptor, path: path)
    guard fileLength >= validLength else {
      throw .damaged(
        path: path, offset: fileLength,
        reason: "the file is \(fileLength) bytes, shorter than the \(validLength) bytes read "
          + "from it before",
        tornTail: false)
    }
    if fileLength > validLength {
      try FileSystem.truncate(descriptor, to: validLength, path: path)
      try FileSystem.syncData(descriptor, path: path)
    }
    return writer
  }

  /// Writes every record in `buffer` at the end of the file, then empties `buffer` (keeping
  /// its storage). When the write fails, the file is cut back to its previous length, so that
  /// no partial record is left for the next write to follow, and `buffer` is left as it was.
  public func write(_ buffer: inout RecordBuffer) throws(StorageError) {
    precondition(!isClosed, "writing to closed \(path)")
    guard !buffer.isEmpty else { return }
    do throws(StorageError) {
      try FileSystem.write(buffer.bytes, to: descriptor, at: length, path: path)
    } catch {
      try? FileSystem.truncate(descriptor, to: length, path: path)
      throw error
    }
    length += buffer.byteCount
    buffer.removeAll()
  }

  /// Flushes what was written to the disk (fdatasync).
  public func sync() throws(StorageError) {
    try FileSystem.syncData(descriptor, path: path)
  }

  /// Closes the file without syncing it. Closing twice is fine.
  public func close() {
    guard !isClosed else { return }
    isClosed = true
    FileSystem.closeFile(descriptor)
  }
}
