import ChannelCastStorage
import Foundation
import Testing

@Suite("The journal under each fsync policy")
struct JournalFsyncPolicyTests {
  private let record = TestRecord(type: 1, body: Array("publish".utf8))

  @Test(arguments: FsyncPolicy.allCases)
  func committedRecordsReadBackAfterClose(policy: FsyncPolicy) throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: policy)
      for _ in 0..<100 {
        journal.append([record])
        try journal.commit()
      }
      try journal.close()

      #expect(
        try readRecordFile(directory.journalPath(1)).records == Array(repeating: record, count: 100)
      )
    }
  }

  @Test func alwaysSyncsOncePerCommitHoweverManyRecords() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .always)
      defer { try? journal.close() }

      for _ in 0..<3 {
        journal.append(Array(repeating: record, count: 10))  // Ten requests, one group commit.
        try journal.commit()
      }

      let statistics = journal.statistics
      #expect(statistics.syncs == 3)
      #expect(statistics.recordsWritten == 30)
      #expect(statistics.syncNanosecondsTotal >= statistics.lastSyncNanoseconds)
    }
  }

  @Test func neverLeavesSyncingToTheSystem() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .never)
      defer { try? journal.close() }

      for _ in 0..<3 {
        journal.append([record])
        try journal.commit()
      }

      #expect(journal.statistics.syncs == 0)
      #expect(journal.statistics.recordsWritten == 3)
    }
  }

  @Test func everysecSyncsInTheBackgroundWithinAboutASecond() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .everysec)
      defer { try? journal.close() }

      journal.append([record])
      try journal.commit()
      #expect(journal.statistics.syncs == 0)

      let deadline = Date() + 2.5
      while journal.statistics.syncs == 0, Date() < deadline {
        usleep(20_000)
      }
      #expect(journal.statistics.syncs == 1)
    }
  }

  @Test func everysecDoesNotSyncWhenNothingWasWritten() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .everysec)
      defer { try? journal.close() }

      usleep(1_300_000)
      #expect(journal.statistics.syncs == 0)
    }
  }

  @Test func closeStopsTheEverysecThreadAtOnce() throws {
    try withDataDirectory { directory in
      let journal = try Journal(
        directory: directory, generation: 1, formatVersion: 1, policy: .everysec)
      journal.append([record])

      let start = ContinuousClock.now
      try journal.close()
      #expect(start.duration(to: .now) < .milliseconds(500))
      #expect(journal.statistics.syncs == 1)  // The close's own sync.
    }
  }
}
