import ChannelCastStorage
import Testing

/// A bad record that is the last thing in the file is a torn tail (an append cut short: keep
/// what comes before it); a bad record with data after it is corruption.
@Suite("Torn tail or corruption")
struct DamageClassificationTests {
  /// Three records; the file is then changed by `damage` and read back.
  private func readDamaged(
    _ damage: (inout [UInt8], _ offsets: [Int]) -> Void
  ) throws -> (outcome: ReadOutcome, offsets: [Int], records: [TestRecord]) {
    try withTemporaryDirectory { directory in
      let path = directory + "/damaged.ccj"
      let records = Array(recordsOfManySizes[4...6])
      let offsets = try writeRecordFile(path, records)
      var bytes = try fileBytes(path)
      damage(&bytes, offsets)
      try setFileBytes(path, bytes)
      return (try readRecordFile(path), offsets, records)
    }
  }

  /// Expects the read to have stopped at the third record with the given classification,
  /// after reading the first two.
  private func expectDamageAtThirdRecord(
    tornTail: Bool, _ damage: (inout [UInt8], _ offsets: [Int]) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let (outcome, offsets, records) = try readDamaged(damage)
    #expect(outcome.records == Array(records.prefix(2)), sourceLocation: sourceLocation)
    #expect(outcome.validLength == offsets[2], sourceLocation: sourceLocation)
    guard case .damaged(_, let offset, _, let classifiedTorn) = outcome.error else {
      Issue.record(
        "expected .damaged, got \(String(describing: outcome.error))",
        sourceLocation: sourceLocation)
      return
    }
    #expect(offset == offsets[2], sourceLocation: sourceLocation)
    #expect(classifiedTorn == tornTail, sourceLocation: sourceLocation)
  }

  @Test func truncatedInsideTheLastFrameHeaderIsATornTail() throws {
    try expectDamageAtThirdRecord(tornTail: true) { bytes, offsets in
      bytes.removeSubrange((offsets[2] + 5)...)
    }
  }

  @Test func truncatedInsideTheLastBodyIsATornTail() throws {
    try expectDamageAtThirdRecord(tornTail: true) { bytes, offsets in
      bytes.removeSubrange((offsets[2] + RecordFileFormat.frameHeaderLength + 3)...)
    }
  }

  @Test func badChecksumOnTheLastRecordIsATornTail() throws {
    try expectDamageAtThirdRecord(tornTail: true) { bytes, _ in
      bytes[bytes.count - 1] ^= 0x40
    }
  }

  @Test func zerosInPlaceOfTheLastRecordAreATornTail() throws {
    try expectDamageAtThirdRecord(tornTail: true) { bytes, offsets in
      for index in offsets[2]..<bytes.count { bytes[index] = 0 }
      bytes += [UInt8](repeating: 0, count: 4_096)
    }
  }

  @Test func lastRecordWithItsBodyZeroedAndZerosAfterIsATornTail() throws {
    try expectDamageAtThirdRecord(tornTail: true) { bytes, offsets in
      for index in (offsets[2] + RecordFileFormat.frameHeaderLength)..<bytes.count {
        bytes[index] = 0
      }
      bytes += [UInt8](repeating: 0, count: 100)
    }
  }

  @Test func zerosAfterTheLastGoodRecordAreATornTailThere() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/zero-tail.ccj"
      try writeRecordFile(path, recordsOfManySizes)
      let goodLength = try fileBytes(path).count
      try setFileBytes(path, try fileBytes(path) + [UInt8](repeating: 0, count: 8_192))

      let outcome = try readRecordFile(path)
      #expect(outcome.records == recordsOfManySizes)
      #expect(outcome.validLength == goodLength)
      #expect(
        outcome.error
          == .damaged(
            path: path, offset: goodLength, reason: "the record length is 0", tornTail: true))
    }
  }

  @Test func flippedByteInAMiddleRecordIsCorruptionAtItsOffset() throws {
    let (outcome, offsets, records) = try readDamaged { bytes, offsets in
      bytes[offsets[1] + RecordFileFormat.frameHeaderLength + 2] ^= 0x01
    }
    #expect(outcome.records == [records[0]])
    #expect(outcome.validLength == offsets[1])
    guard case .damaged(_, let offset, let reason, let tornTail) = outcome.error else {
      Issue.record("expected .damaged, got \(String(describing: outcome.error))")
      return
    }
    #expect(offset == offsets[1])
    #expect(reason == "the record's checksum does not match")
    #expect(!tornTail)
  }

  @Test func zeroLengthWithDataAfterItIsCorruption() throws {
    let (outcome, offsets, _) = try readDamaged { bytes, offsets in
      for index in offsets[1]..<(offsets[1] + 4) { bytes[index] = 0 }
    }
    #expect(outcome.error?.description.contains("at byte \(offsets[1])") == true)
    guard case .damaged(_, offsets[1], _, tornTail: false) = outcome.error else {
      Issue.record("expected corruption at \(offsets[1]), got \(String(describing: outcome.error))")
      return
    }
  }

  @Test func lengthOverTheMaximumIsCorruption() throws {
    let (outcome, offsets, _) = try readDamaged { bytes, offsets in
      bytes[offsets[1] + 3] = 0x80
    }
    guard case .damaged(_, offsets[1], _, tornTail: false) = outcome.error else {
      Issue.record("expected corruption at \(offsets[1]), got \(String(describing: outcome.error))")
      return
    }
  }

  @Test func readerKeepsReportingTheSameDamage() throws {
    try withTemporaryDirectory { directory in
      let path = directory + "/again.ccj"
      let offsets = try writeRecordFile(path, recordsOfManySizes)
      var bytes = try fileBytes(path)
      bytes[offsets[3] + RecordFileFormat.frameHeaderLength] ^= 0xFF
      try setFileBytes(path, bytes)

      let reader = try RecordFileReader(path: path, kind: .journal, newestFormatVersion: 1)
      for _ in 0..<3 { _ = try reader.next() }
      let first = #expect(throws: StorageError.self) { try reader.next() }
      let second = #expect(throws: StorageError.self) { try reader.next() }
      #expect(first == second)
      #expect(reader.validLength == offsets[3])
    }
  }
}
