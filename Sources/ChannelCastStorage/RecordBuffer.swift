/// Records framed in memory, to be written with one write(2) by ``RecordFileWriter/write(_:)``.
///
/// Framing happens in place: the body is appended straight after its frame header, so building a
/// record costs no copy beyond the body bytes themselves.
public struct RecordBuffer: Sendable {
  /// The framed records, ready to be written.
  private(set) var bytes: [UInt8] = []
  /// How many records `bytes` holds.
  public private(set) var recordCount = 0

  /// An empty buffer.
  public init() {}

  /// Appends one framed record: reserves the 8-byte frame header, appends the type byte, lets
  /// `body` append the body bytes to the same array, then fills in the length and checksum.
  ///
  /// `body` must only append: the bytes already in the array are earlier records.
  /// A body over 256 MiB is a programming error and stops the process.
  public mutating func append(type: UInt8, _ body: (inout [UInt8]) -> Void) {
    let frameStart = bytes.count
    let recordStart = frameStart + RecordFileFormat.frameHeaderLength
    bytes.append(contentsOf: repeatElement(0, count: RecordFileFormat.frameHeaderLength))
    bytes.append(type)
    body(&bytes)
    precondition(bytes.count >= recordStart + 1, "the body closure removed bytes")
    let length = bytes.count - recordStart
    precondition(
      length <= RecordFileFormat.maximumRecordLength,
      "a record of \(length) bytes is over the \(RecordFileFormat.maximumRecordLength)-byte limit")
    let checksum = bytes.withUnsafeBytes {
      CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[recordStart...]))
    }
    bytes.storeLittleEndian(UInt32(length), at: frameStart)
    bytes.storeLittleEndian(checksum, at: frameStart + 4)
    recordCount += 1
  }

  /// Bytes in the buffer, frame headers included.
  public var byteCount: Int { bytes.count }

  /// Whether the buffer holds no records.
  public var isEmpty: Bool { recordCount == 0 }

  /// Empties the buffer, keeping its storage for the next records.
  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    recordCount = 0
  }
}
