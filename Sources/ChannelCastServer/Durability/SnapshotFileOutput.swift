import ChannelCastCore
import ChannelCastStorage

/// Writes a snapshot's records to its file, a megabyte or so per write.
struct SnapshotFileOutput: SnapshotOutput {
  private static let bytesPerWrite = 1 << 20
  private let writer: RecordFileWriter
  private var buffer = RecordBuffer()

  init(writer: RecordFileWriter) {
    self.writer = writer
  }

  mutating func append(type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) throws {
    buffer.append(type: type.rawValue, body)
    if buffer.byteCount >= Self.bytesPerWrite { try writer.write(&buffer) }
  }

  /// Writes what is still buffered.
  mutating func flush() throws {
    if !buffer.isEmpty { try writer.write(&buffer) }
  }
}
