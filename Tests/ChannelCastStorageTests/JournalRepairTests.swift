import ChannelCastStorage
import Foundation
import Testing

@Suite("Repairing a damaged file")
struct JournalRepairTests {
  private let records = Array(recordsOfManySizes.prefix(6))

  /// Writes `records` to a journal, changes it with `damage`, repairs it, and checks what every
  /// repair guarantees: a copy with the damaged bytes, and a file that now reads cleanly up to
  /// where it was cut.
  private func repair(
    _ damage: (inout [UInt8], _ offsets: [Int]) -> Void
  ) throws -> (repair: JournalRepair?, offsets: [Int], damagedLength: Int) {
    try withTemporaryDirectory { directory in
      let path = directory + "/journal-00000000000000000001.ccj"
      let offsets = try writeRecordFile(path, records)
      var damaged = try fileBytes(path)
      damage(&damaged, offsets)
      try setFileBytes(path, damaged)

      let repair = try JournalRepair.repair(path: path, kind: .journal, newestFormatVersion: 1)

      if let repair {
        #expect(repair.path == path)
        #expect(repair.copyPath.hasPrefix(path + ".damaged-"))
        #expect(try fileBytes(repair.copyPath) == damaged)
        #expect(repair.droppedBytes == damaged.count - repair.truncatedAt)
        let outcome = try readRecordFile(path)
        #expect(outcome.error == nil)
        #expect(outcome.validLength == repair.truncatedAt)
        #expect(try fileBytes(path) == Array(damaged.prefix(repair.truncatedAt)))
      }
      return (repair, offsets, damaged.count)
    }
  }

  @Test func cleanFileIsLeftAloneWithoutACopy() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/clean.ccj"
      try writeRecordFile(path, records)
      let before = try fileBytes(path)

      #expect(try JournalRepair.repair(path: path, kind: .journal, newestFormatVersion: 1) == nil)
      #expect(try fileBytes(path) == before)
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["clean.ccj"])
    }
  }

  @Test func corruptionInTheMiddleDropsTheBadRecordAndEveryRecordAfterIt() throws {
    let (repair, offsets, damagedLength) = try repair { bytes, offsets in
      bytes[offsets[2] + RecordFileFormat.frameHeaderLength + 1] ^= 0x10
    }
    #expect(repair?.truncatedAt == offsets[2])
    #expect(repair?.droppedRecords == 4)
    #expect(repair?.droppedBytes == damagedLength - offsets[2])
  }

  @Test func unusableLengthCountsOnlyTheBadRecord() throws {
    let (repair, offsets, _) = try repair { bytes, offsets in
      bytes[offsets[4] + 3] = 0xFF
    }
    #expect(repair?.truncatedAt == offsets[4])
    #expect(repair?.droppedRecords == 1)
  }

  @Test func tornTailDropsTheIncompleteLastRecord() throws {
    let (repair, offsets, _) = try repair { bytes, offsets in
      bytes.removeSubrange((offsets[5] + 10)...)
    }
    #expect(repair?.truncatedAt == offsets[5])
    #expect(repair?.droppedRecords == 1)
    #expect(repair?.droppedBytes == 10)
  }

  @Test func zeroTailDropsBytesButNoRecords() throws {
    let (repair, _, damagedLength) = try repair { bytes, _ in
      bytes += [UInt8](repeating: 0, count: 512)
    }
    #expect(repair?.truncatedAt == damagedLength - 512)
    #expect(repair?.droppedRecords == 0)
    #expect(repair?.droppedBytes == 512)
  }

  @Test func damagedHeaderIsReportedNotRepaired() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/header.ccj"
      try writeRecordFile(path, records)
      var bytes = try fileBytes(path)
      bytes[9] ^= 0x01
      try setFileBytes(path, bytes)

      #expect(throws: StorageError.self) {
        try JournalRepair.repair(path: path, kind: .journal, newestFormatVersion: 1)
      }
      #expect(try fileBytes(path) == bytes)
    }
  }
}
