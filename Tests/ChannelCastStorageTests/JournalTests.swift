import ChannelCastStorage
import Testing

@Suite("The journal: commits and generations")
struct JournalTests {
  private let first = [
    TestRecord(type: 1, body: Array("subscribe".utf8)), TestRecord(type: 2, body: []),
  ]
  private let second = [TestRecord(type: 3, body: Array("unsubscribe".utf8))]

  @Test func newJournalCreatesItsGenerationsFileWithAHeader() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 5, formatVersion: 2, policy: .never)
      defer { try? journal.close() }

      #expect(journal.generation == 5)
      #expect(journal.bytesInGeneration == RecordFileFormat.headerLength)
      #expect(try directory.journalGenerations() == [5])
      let reader = try RecordFileReader(
        path: directory.journalPath(5), kind: .journal, newestFormatVersion: 2)
      #expect(reader.header == RecordFileHeader(kind: .journal, formatVersion: 2, generation: 5))
    }
  }

  @Test func appendedRecordsReachTheFileOnlyAtCommit() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .never)
      defer { try? journal.close() }

      journal.append(first)
      #expect(journal.hasUncommittedRecords)
      #expect(try readRecordFile(directory.journalPath(1)).records.isEmpty)

      try journal.commit()
      #expect(!journal.hasUncommittedRecords)
      #expect(try readRecordFile(directory.journalPath(1)).records == first)
      let frameBytes = first.reduce(0) {
        $0 + RecordFileFormat.frameHeaderLength + 1 + $1.body.count
      }
      #expect(journal.bytesInGeneration == RecordFileFormat.headerLength + frameBytes)
      #expect(journal.statistics.recordsWritten == 2)
      #expect(journal.statistics.bytesWritten == UInt64(frameBytes))
    }
  }

  @Test func commitWithNothingAppendedWritesNothing() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .always)
      defer { try? journal.close() }

      try journal.commit()
      #expect(journal.bytesInGeneration == RecordFileFormat.headerLength)
      #expect(journal.statistics == JournalStatistics())
    }
  }

  @Test func rotateCommitsAndContinuesInTheNextGeneration() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .never)
      defer { try? journal.close() }

      journal.append(first)
      #expect(try journal.rotate() == 2)
      #expect(journal.generation == 2)
      #expect(journal.bytesInGeneration == RecordFileFormat.headerLength)
      journal.append(second)
      try journal.commit()

      #expect(try directory.journalGenerations() == [1, 2])
      #expect(try readRecordFile(directory.journalPath(1)).records == first)
      let reader = try RecordFileReader(
        path: directory.journalPath(2), kind: .journal, newestFormatVersion: 1)
      #expect(reader.header.generation == 2)
      #expect(try readRecordFile(directory.journalPath(2)).records == second)
    }
  }

  @Test func closeCommitsWhatIsBuffered() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .never)
      journal.append(first)
      try journal.close()
      try journal.close()

      #expect(try readRecordFile(directory.journalPath(1)).records == first)
    }
  }

  @Test func reopenedJournalAppendsAfterTheLastGoodRecord() throws {
    try withDataDirectory { directory in
      let path = directory.journalPath(1)
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .always)
      journal.append(first)
      try journal.close()
      try setFileBytes(path, try fileBytes(path) + [40, 0, 0, 0, 7])  // An append cut short.

      let recovered = try readRecordFile(path)
      #expect(recovered.records == first)
      let reopened = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .always,
        appendingAt: recovered.validLength)
      #expect(reopened.bytesInGeneration == recovered.validLength)
      reopened.append(second)
      try reopened.close()

      let outcome = try readRecordFile(path)
      #expect(outcome.error == nil)
      #expect(outcome.records == first + second)
    }
  }

  @Test func journalWhoseHeaderNeverReachedTheDiskIsRemovedAndCreatedAgain() throws {
    try withDataDirectory { directory in
      try setFileBytes(directory.journalPath(3), [UInt8](repeating: 0, count: 12))
      let error = #expect(throws: StorageError.self) {
        try readRecordFile(directory.journalPath(3))
      }
      guard case .damaged(_, 0, _, tornTail: true) = error else {
        Issue.record("expected a torn header, got \(String(describing: error))")
        return
      }

      try directory.removeJournal(3)
      let journal = try Journal(
        directory: directory, generation: 3, formatVersion: 1, policy: .always)
      journal.append(first)
      try journal.close()

      #expect(try readRecordFile(directory.journalPath(3)).records == first)
    }
  }
}
