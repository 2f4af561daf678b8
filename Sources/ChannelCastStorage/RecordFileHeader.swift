/// The first 28 bytes of a record file: what it is, its format version and its generation.
public struct RecordFileHeader: Sendable, Equatable {
  /// Journal or snapshot.
  public let kind: RecordFileKind
  /// The version of the record bodies' format, chosen by the writer; readers refuse versions
  /// newer than they know.
  public let formatVersion: UInt32
  /// The file's generation: journals and snapshots are numbered together, so a snapshot of
  /// generation n holds everything in journals before n.
  public let generation: UInt64

  /// A header for a new file.
  public init(kind: RecordFileKind, formatVersion: UInt32, generation: UInt64) {
    self.kind = kind
    self.formatVersion = formatVersion
    self.generation = generation
  }

  /// The header as stored: magic, version, reserved zero, generation, then their CRC-32C.
  var encoded: [UInt8] {
    var bytes = kind.magic
    bytes.reserveCapacity(RecordFileFormat.headerLength)
    bytes.appendLittleEndian(formatVersion)
    bytes.appendLittleEndian(UInt32(0))
    bytes.appendLittleEndian(generation)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// Decodes and checks the header at the start of `bytes`, the whole content of `path`.
  init(
    decoding bytes: UnsafeRawBufferPointer, path: String, kind: RecordFileKind,
    newestFormatVersion: UInt32
  ) throws(StorageError) {
    let headerLength = RecordFileFormat.headerLength
    let magicLength = min(bytes.count, kind.magic.count)
    if !bytes.prefix(magicLength).elementsEqual(kind.magic.prefix(magicLength)) {
      // A file of zeros is a journal whose header a power loss never let reach the disk.
      if bytes.allSatisfy({ $0 == 0 }) {
        throw .damaged(
          path: path, offset: 0, reason: "the file holds only zero bytes", tornTail: true)
      }
      throw .notARecordFile(path: path, expected: kind.name)
    }
    guard bytes.count >= headerLength else {
      throw .damaged(
        path: path, offset: 0,
        reason: "the file is \(bytes.count) bytes, shorter than the \(headerLength)-byte header",
        tornTail: true)
    }
    let storedChecksum = bytes.littleEndianUInt32(at: headerLength - 4)
    let checksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<(headerLength - 4)]))
    guard storedChecksum == checksum else {
      let onlyZerosFollow = bytes[headerLength...].allSatisfy { $0 == 0 }
      throw .damaged(
        path: path, offset: 0, reason: "the file header's checksum does not match",
        tornTail: onlyZerosFollow)
    }
    let formatVersion = bytes.littleEndianUInt32(at: 8)
    guard formatVersion <= newestFormatVersion else {
      throw .newerFormat(path: path, fileVersion: formatVersion, newestKnown: newestFormatVersion)
    }
    self.init(
      kind: kind, formatVersion: formatVersion, generation: bytes.littleEndianUInt64(at: 16))
  }
}
