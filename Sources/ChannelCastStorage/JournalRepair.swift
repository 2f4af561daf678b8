#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `--repair` did to one damaged record file: kept a copy, then cut it at its first bad
/// record, losing that record and everything after it.
public struct JournalRepair: Sendable, Equatable {
  /// The repaired file.
  public let path: String
  /// The copy of the file as it was: `<path>.damaged-<unix seconds>`.
  public let copyPath: String
  /// The new length of the file: where its first bad record started.
  public let truncatedAt: Int
  /// Records lost: the bad one plus the well-formed frames after it (0 when only zero bytes
  /// were cut off, which hold no record).
  public let droppedRecords: Int
  /// Bytes cut off the end of the file.
  public let droppedBytes: Int

  /// Copies the file to `<path>.damaged-<unix seconds>`, truncates the original at its first
  /// bad record (durably), and counts the records dropped: the bad one plus the frames after
  /// it whose lengths still chain to one another, checksums unchecked. Returns nil, changing
  /// nothing, when the file has no damage. A damaged header is thrown, not repaired: cutting
  /// there would leave no file to read.
  public static func repair(path: String, kind: RecordFileKind, newestFormatVersion: UInt32)
    throws(StorageError) -> JournalRepair?
  {
    guard
      let repair = try copyIfDamaged(
        path: path, kind: kind, newestFormatVersion: newestFormatVersion)
    else { return nil }
    // Cut only once the reader's mapping is gone: touching a mapped page past the new end
    // would crash the process.
    let descriptor = try FileSystem.openFile(path, O_WRONLY)
    defer { FileSystem.closeFile(descriptor) }
    try FileSystem.truncate(descriptor, to: repair.truncatedAt, path: path)
    try FileSystem.syncData(descriptor, path: path)
    return repair
  }

  /// Reads the file to its first bad record; if there is one, writes the copy (durably) and
  /// returns the repair to make.
  private static func copyIfDamaged(
    path: String, kind: RecordFileKind, newestFormatVersion: UInt32
  ) throws(StorageError) -> JournalRepair? {
    let reader = try RecordFileReader(
      path: path, kind: kind, newestFormatVersion: newestFormatVersion)
    do {
      while try reader.next() != nil {}
      return nil
    } catch {
      guard case .damaged = error else { throw error }
    }
    // The copy is written from the reader's mapping, which must outlive every use of it.
    return try withExtendedLifetime(reader) { () throws(StorageError) in
      let bytes = reader.file.bytes
      let damageOffset = reader.validLength
      let copyPath = path + ".damaged-\(time(nil))"
      try writeCopy(of: bytes, to: copyPath)
      try FileSystem.syncDirectory(directory(of: path))
      return JournalRepair(
        path: path, copyPath: copyPath, truncatedAt: damageOffset,
        droppedRecords: droppedRecords(in: bytes, from: damageOffset),
        droppedBytes: bytes.count - damageOffset)
    }
  }

  /// Writes `bytes` to the new file `copyPath` and syncs it; on failure, removes it.
  private static func writeCopy(of bytes: UnsafeRawBufferPointer, to copyPath: String)
    throws(StorageError)
  {
    let copy = try FileSystem.openFile(copyPath, O_CREAT | O_EXCL | O_WRONLY, mode: 0o600)
    defer { FileSystem.closeFile(copy) }
    do throws(StorageError) {
      try FileSystem.write(bytes, to: copy, at: 0, path: copyPath)
      try FileSystem.syncData(copy, path: copyPath)
    } catch {
      try? FileSystem.removeFile(copyPath)
      throw error
    }
  }

  /// The records lost by cutting `bytes` at `offset`: the frames chained by their lengths from
  /// there, at least the bad one, unless the rest is all zeros.
  private static func droppedRecords(in bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
    if bytes[offset...].allSatisfy({ $0 == 0 }) { return 0 }
    var frames = 0
    var frameStart = offset
    while let frameEnd = RecordFileFormat.frameEnd(in: bytes, at: frameStart) {
      frames += 1
      frameStart = frameEnd
    }
    return max(frames, 1)
  }

  /// The directory holding `path`.
  private static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
