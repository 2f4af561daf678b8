import ChannelCastStorage
import Testing

@Suite("Checking the file header")
struct RecordFileHeaderTests {
  @Test func snapshotReadAsJournalIsNotARecordFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/snapshot.ccs"
      try writeRecordFile(path, recordsOfManySizes, kind: .snapshot)

      let error = #expect(throws: StorageError.self) { try readRecordFile(path, kind: .journal) }
      #expect(error == .notARecordFile(path: path, expected: "journal"))
      #expect(
        error?.description
          == "\(path) is not a channelcastd journal file: it does not start with the journal header"
      )
    }
  }

  @Test func textFileIsNotARecordFile() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/notes.txt"
      try setFileBytes(path, Array("just some notes, not a journal".utf8))

      #expect(throws: StorageError.notARecordFile(path: path, expected: "journal")) {
        try readRecordFile(path)
      }
    }
  }

  @Test func badHeaderChecksumIsDamageAtOffsetZero() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/header-crc.ccj"
      try writeRecordFile(path, recordsOfManySizes, generation: 5)
      var bytes = try fileBytes(path)
      bytes[16] ^= 0x01  // The generation's lowest bit.
      try setFileBytes(path, bytes)

      let error = #expect(throws: StorageError.self) { try readRecordFile(path) }
      guard case .damaged(let damagedPath, let offset, _, let tornTail) = error else {
        Issue.record("expected .damaged, got \(String(describing: error))")
        return
      }
      #expect(damagedPath == path)
      #expect(offset == 0)
      #expect(!tornTail)
    }
  }

  @Test func newerFormatVersionIsRefusedNamingBothVersions() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/future.ccj"
      try writeRecordFile(path, recordsOfManySizes, formatVersion: 3)

      let error = #expect(throws: StorageError.self) {
        try readRecordFile(path, newestFormatVersion: 1)
      }
      #expect(error == .newerFormat(path: path, fileVersion: 3, newestKnown: 1))
      #expect(
        error?.description
          == "\(path) was written in format version 3; this channelcastd reads versions up to 1")
    }
  }

  @Test func fileShorterThanTheHeaderIsATornTailAtOffsetZero() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/short.ccj"
      try writeRecordFile(path, [])
      try setFileBytes(path, Array(try fileBytes(path).prefix(11)))

      let error = #expect(throws: StorageError.self) { try readRecordFile(path) }
      guard case .damaged(_, 0, _, tornTail: true) = error else {
        Issue.record("expected a torn tail at 0, got \(String(describing: error))")
        return
      }
    }
  }

  @Test func emptyAndZeroFilledFilesAreTornTailsAtOffsetZero() throws {
    try withTemporaryDirectory { directory in
      for (name, bytes) in [("empty.ccj", []), ("zeros.ccj", [UInt8](repeating: 0, count: 4_096))] {
        let path = directory + "/" + name
        try setFileBytes(path, bytes)

        let error = #expect(throws: StorageError.self) { try readRecordFile(path) }
        guard case .damaged(_, 0, _, tornTail: true) = error else {
          Issue.record("\(name): expected a torn tail at 0, got \(String(describing: error))")
          continue
        }
      }
    }
  }
}
