import ChannelCastStorage
import Foundation
import Testing

@Suite("Writing and reading back record files")
struct RecordFileRoundTripTests {
  @Test func recordsOfManySizesReadBackInOrderWithTheirOffsets() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/many.ccj"
      let offsets = try writeRecordFile(path, recordsOfManySizes)

      let outcome = try readRecordFile(path)
      #expect(outcome.error == nil)
      #expect(outcome.records == recordsOfManySizes)
      #expect(outcome.offsets == offsets)
      #expect(outcome.validLength == (try fileBytes(path)).count)
    }
  }

  @Test func manyRecordsInOneWriteReadBack() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/batch.ccj"
      let records = (0..<10_000).map {
        TestRecord(type: UInt8($0 % 251), body: Array("record \($0)".utf8))
      }
      let header = RecordFileHeader(kind: .journal, formatVersion: 1, generation: 1)
      let writer = try RecordFileWriter.create(path: path, header: header)
      var buffer = RecordBuffer()
      for record in records {
        buffer.append(type: record.type) { $0.append(contentsOf: record.body) }
      }
      try writer.write(&buffer)
      writer.close()

      #expect(try readRecordFile(path).records == records)
    }
  }

  @Test func headerReadsBackKindVersionAndGeneration() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/header.ccs"
      try writeRecordFile(path, [], kind: .snapshot, formatVersion: 2, generation: 1 << 40)

      let reader = try RecordFileReader(path: path, kind: .snapshot, newestFormatVersion: 2)
      #expect(
        reader.header == RecordFileHeader(kind: .snapshot, formatVersion: 2, generation: 1 << 40))
      #expect(try reader.next() == nil)
      #expect(reader.validLength == RecordFileFormat.headerLength)
    }
  }

  @Test func readerAcceptsOlderFormatVersions() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/old.ccj"
      try writeRecordFile(path, recordsOfManySizes, formatVersion: 1)

      let outcome = try readRecordFile(path, newestFormatVersion: 5)
      #expect(outcome.error == nil)
      #expect(outcome.records == recordsOfManySizes)
    }
  }

  @Test func nextKeepsReturningNilAtTheEnd() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/end.ccj"
      try writeRecordFile(path, [TestRecord(type: 1, body: [1])])

      let reader = try RecordFileReader(path: path, kind: .journal, newestFormatVersion: 1)
      #expect(try reader.next() != nil)
      #expect(try reader.next() == nil)
      #expect(try reader.next() == nil)
    }
  }

  @Test func createRefusesAnExistingFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/exists.ccj"
      try writeRecordFile(path, [TestRecord(type: 1, body: [1])])

      let header = RecordFileHeader(kind: .journal, formatVersion: 1, generation: 2)
      #expect(throws: StorageError.io(path: path, operation: "open", errno: EEXIST)) {
        try RecordFileWriter.create(path: path, header: header)
      }
      #expect(try readRecordFile(path).records.count == 1)
    }
  }

  @Test func openForAppendCutsTheTornTailAndAppendsAfterTheLastGoodRecord() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/append.ccj"
      let first = Array(recordsOfManySizes.prefix(4))
      try writeRecordFile(path, first)
      let goodLength = try fileBytes(path).count
      try setFileBytes(path, try fileBytes(path) + [9, 0, 0, 0, 1, 2])  // A torn frame header.
      let torn = try readRecordFile(path)
      #expect(torn.validLength == goodLength)

      let writer = try RecordFileWriter.openForAppend(path: path, validLength: torn.validLength)
      #expect(writer.length == goodLength)
      let more = [
        TestRecord(type: 200, body: Array("after the tear".utf8)), TestRecord(type: 201, body: []),
      ]
      _ = try append(more, to: writer)
      writer.close()

      let outcome = try readRecordFile(path)
      #expect(outcome.error == nil)
      #expect(outcome.records == first + more)
    }
  }

  @Test func openForAppendRefusesToAppendInsideTheHeaderOrPastTheEnd() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/refused.ccj"
      try writeRecordFile(path, [TestRecord(type: 1, body: [1])])
      let before = try fileBytes(path)

      for validLength in [0, 12, before.count + 1] {
        let error = #expect(throws: StorageError.self) {
          try RecordFileWriter.openForAppend(path: path, validLength: validLength)
        }
        guard case .damaged(path, _, _, _) = error else {
          Issue.record("\(validLength): expected .damaged, got \(String(describing: error))")
          continue
        }
      }
      #expect(try fileBytes(path) == before)
    }
  }
}
