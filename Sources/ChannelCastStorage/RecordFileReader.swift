/// Reads a record file front to back, checking every checksum, and tells a torn tail from
/// corruption in the middle when a record is bad (see ``RecordFileFormat``).
///
/// Used by one thread at a time. The file is mapped read-only for the reader's lifetime, and
/// nothing may truncate it meanwhile.
public final class RecordFileReader {
  /// The file being read.
  public let path: String
  /// The file's header, checked when the reader was created.
  public let header: RecordFileHeader
  /// The end of the last good record read so far: the header's length before the first.
  /// After a ``StorageError/damaged(path:offset:reason:tornTail:)`` error it is where the
  /// damage starts, the length to keep when cutting off a torn tail.
  public private(set) var validLength: Int
  /// The file's content.
  let file: MappedFile
  /// The damage found, thrown again by every later ``next()``.
  private var damage: StorageError?

  /// Opens `path` and checks its header. Wrong magic is
  /// ``StorageError/notARecordFile(path:expected:)``; a version above `newestFormatVersion` is
  /// ``StorageError/newerFormat(path:fileVersion:newestKnown:)``; a bad header checksum is
  /// ``StorageError/damaged(path:offset:reason:tornTail:)`` at offset 0. A file shorter than
  /// the header, or holding only zeros, is a torn tail at offset 0: its header never reached
  /// the disk, so it never held a record (see ``DataDirectory/removeJournal(_:)``).
  public init(path: String, kind: RecordFileKind, newestFormatVersion: UInt32)
    throws(StorageError)
  {
    let file = try MappedFile(path: path)
    header = try RecordFileHeader(
      decoding: file.bytes, path: path, kind: kind, newestFormatVersion: newestFormatVersion)
    self.path = path
    self.file = file
    validLength = RecordFileFormat.headerLength
  }

  /// The next record, or nil at the clean end of the file. Throws
  /// ``StorageError/damaged(path:offset:reason:tornTail:)`` at the first bad record, and again
  /// on every later call.
  public func next() throws(StorageError) -> StoredRecord? {
    if let damage { throw damage }
    let bytes = file.bytes
    let offset = validLength
    guard offset < bytes.count else { return nil }
    guard let end = RecordFileFormat.frameEnd(in: bytes, at: offset) else {
      throw recordDamage(at: offset, unframedFault(at: offset))
    }
    let storedChecksum = bytes.littleEndianUInt32(at: offset + 4)
    let recordStart = offset + RecordFileFormat.frameHeaderLength
    let record = UnsafeRawBufferPointer(rebasing: bytes[recordStart..<end])
    guard CRC32C.checksum(record) == storedChecksum else {
      let onlyZerosFollow = bytes[end...].allSatisfy { $0 == 0 }
      throw recordDamage(
        at: offset, (reason: "the record's checksum does not match", tornTail: onlyZerosFollow))
    }
    validLength = end
    return StoredRecord(type: record[0], body: Array(record.dropFirst()), offset: offset)
  }

  /// Remembers the damage of the record at `offset`, so later calls throw it again, and
  /// returns it.
  private func recordDamage(at offset: Int, _ fault: (reason: String, tornTail: Bool))
    -> StorageError
  {
    let error = StorageError.damaged(
      path: path, offset: offset, reason: fault.reason, tornTail: fault.tornTail)
    damage = error
    return error
  }

  /// Why no frame can be read at `offset`, and whether that makes it a torn tail.
  private func unframedFault(at offset: Int) -> (reason: String, tornTail: Bool) {
    let bytes = file.bytes
    let remaining = bytes.count - offset
    guard remaining >= RecordFileFormat.frameHeaderLength else {
      let reason =
        "the record header is cut off after \(remaining) of "
        + "\(RecordFileFormat.frameHeaderLength) bytes"
      return (reason, tornTail: true)
    }
    let length = Int(bytes.littleEndianUInt32(at: offset))
    if length == 0 || length > RecordFileFormat.maximumRecordLength {
      let reason =
        length == 0
        ? "the record length is 0"
        : "the record length \(length) is over the maximum of \(RecordFileFormat.maximumRecordLength)"
      // With no length to trust, only zeros from here on (what a power loss leaves) are a
      // torn tail; anything else is a damaged frame with data after it.
      return (reason, tornTail: bytes[offset...].allSatisfy { $0 == 0 })
    }
    let missing = offset + RecordFileFormat.frameHeaderLength + length - bytes.count
    return ("the record of \(length) bytes runs \(missing) bytes past the end of the file", true)
  }
}
