import ChannelCastStorage
import Testing

@Suite("Framing records in a RecordBuffer")
struct RecordBufferTests {
  @Test func newBufferIsEmpty() {
    let buffer = RecordBuffer()
    #expect(buffer.isEmpty)
    #expect(buffer.byteCount == 0)
    #expect(buffer.recordCount == 0)
  }

  @Test func eachRecordAddsFrameHeaderTypeAndBody() {
    var buffer = RecordBuffer()
    buffer.append(type: 7) { $0.append(contentsOf: [1, 2, 3]) }
    buffer.append(type: 8) { _ in }
    #expect(!buffer.isEmpty)
    #expect(buffer.recordCount == 2)
    #expect(buffer.byteCount == (8 + 1 + 3) + (8 + 1))
  }

  @Test func frameIsLengthChecksumTypeThenBodyLittleEndian() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/framing.ccj"
      let header = RecordFileHeader(kind: .journal, formatVersion: 1, generation: 1)
      let writer = try RecordFileWriter.create(path: path, header: header)
      var buffer = RecordBuffer()
      buffer.append(type: 0x2A) { $0.append(contentsOf: Array("hello".utf8)) }
      try writer.write(&buffer)
      writer.close()

      let frame = Array(try fileBytes(path).dropFirst(RecordFileFormat.headerLength))
      let checksum = CRC32C.checksum([0x2A] + Array("hello".utf8))
      let expectedFrame: [UInt8] =
        [6, 0, 0, 0]
        + [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: checksum >> $0) }
        + [0x2A] + Array("hello".utf8)
      #expect(frame == expectedFrame)
    }
  }

  @Test func writingEmptiesTheBuffer() throws {
    try withTemporaryDirectory { directory in
      let header = RecordFileHeader(kind: .journal, formatVersion: 1, generation: 1)
      let writer = try RecordFileWriter.create(path: directory + "/empties.ccj", header: header)
      defer { writer.close() }
      var buffer = RecordBuffer()
      buffer.append(type: 1) { $0.append(9) }
      try writer.write(&buffer)
      #expect(buffer.isEmpty)
      #expect(buffer.byteCount == 0)
      #expect(writer.length == RecordFileFormat.headerLength + 10)
    }
  }
}
