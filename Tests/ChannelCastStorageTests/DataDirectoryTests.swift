import ChannelCastStorage
import Foundation
import Testing

@Suite("The locked data directory")
struct DataDirectoryTests {
  @Test func missingDirectoryIsCreatedWithParentsAndMode0700() throws {
    try withTemporaryDirectory { root in
      let path = root + "/var/lib/channelcast"
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }

      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
      #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }
  }

  @Test func lockFileHoldsTheOwnersPid() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }

      let contents = try String(contentsOfFile: path + "/channelcastd.lock", encoding: .utf8)
      #expect(contents == currentPID + "\n")
    }
  }

  @Test func secondOpeningOfALockedDirectoryIsRefusedWithTheHoldersPid() throws {
    try withTemporaryDirectory { path in
      let first = try DataDirectory(path: path)
      defer { first.unlock() }

      let error = #expect(throws: StorageError.self) { try DataDirectory(path: path) }
      #expect(error == .locked(path: path, holder: currentPID))
      #expect(
        error?.description
          == "data directory \(path) is in use by another channelcastd (pid \(currentPID))")
    }
  }

  @Test func unlockLetsTheNextOwnerIn() throws {
    try withTemporaryDirectory { path in
      let first = try DataDirectory(path: path)
      first.unlock()
      first.unlock()

      let second = try DataDirectory(path: path)
      second.unlock()
    }
  }

  @Test func lockIsReleasedWhenTheOwnerGoesAway() throws {
    try withTemporaryDirectory { path in
      var first: DataDirectory? = try DataDirectory(path: path)
      #expect(first != nil)
      first = nil

      let second = try DataDirectory(path: path)
      second.unlock()
    }
  }

  @Test func staleTemporaryFilesAreRemovedAtOpening() throws {
    try withTemporaryDirectory { path in
      let names = [
        "snapshot-00000000000000000004.ccs.tmp", "anything.tmp", "journal-00000000000000000004.ccj",
      ]
      for name in names {
        try setFileBytes(path + "/" + name, [1, 2, 3])
      }

      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }
      let remaining = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
      #expect(remaining == ["channelcastd.lock", "journal-00000000000000000004.ccj"])
    }
  }

  @Test func filesAreNamedByTheirGenerationInTwentyDigits() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }

      #expect(directory.journalPath(1) == path + "/journal-00000000000000000001.ccj")
      #expect(directory.snapshotPath(UInt64.max) == path + "/snapshot-18446744073709551615.ccs")
    }
  }

  @Test func generationsAreListedOldestFirstIgnoringOtherFiles() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }
      for generation: UInt64 in [12, 3, 100] {
        try setFileBytes(directory.journalPath(generation), [])
      }
      for generation: UInt64 in [11, 2] {
        try setFileBytes(directory.snapshotPath(generation), [])
      }
      let strangers = [
        "journal-1.ccj", "journal-0000000000000000000x.ccj", "notes.txt",
        "snapshot-00000000000000000009.ccj",
      ]
      for name in strangers + [
        directory.journalPath(7).dropFirst(path.count + 1) + ".damaged-1700000000"
      ] {
        try setFileBytes(path + "/" + name, [])
      }

      #expect(try directory.journalGenerations() == [3, 12, 100])
      #expect(try directory.snapshotGenerations() == [2, 11])
    }
  }

  @Test func removingBeforeAGenerationKeepsThatGenerationAndLaterOnes() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }
      for generation: UInt64 in 1...4 {
        try setFileBytes(directory.journalPath(generation), [])
        try setFileBytes(directory.snapshotPath(generation), [])
      }

      try directory.removeJournals(before: 3)
      #expect(try directory.journalGenerations() == [3, 4])
      #expect(try directory.snapshotGenerations() == [1, 2, 3, 4])

      try directory.removeSnapshots(before: 4)
      #expect(try directory.snapshotGenerations() == [4])
      #expect(try directory.journalGenerations() == [3, 4])
    }
  }
}
