import ChannelCastStorage
import Foundation
import Testing

@Suite("Writing snapshots atomically")
struct AtomicWriteTests {
  /// The error a snapshot writer throws halfway through.
  private struct SnapshotAbandoned: Error {}

  private func writeSnapshot(
    _ records: [TestRecord], generation: UInt64, in directory: DataDirectory
  ) throws {
    let header = RecordFileHeader(kind: .snapshot, formatVersion: 1, generation: generation)
    try directory.writeAtomically(path: directory.snapshotPath(generation), header: header) {
      writer in
      _ = try append(records, to: writer)
    }
  }

  @Test func writtenFileIsCompleteAndNoTemporaryFileRemains() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }

      try writeSnapshot(recordsOfManySizes, generation: 2, in: directory)

      let outcome = try readRecordFile(directory.snapshotPath(2), kind: .snapshot)
      #expect(outcome.error == nil)
      #expect(outcome.records == recordsOfManySizes)
      #expect(try directory.snapshotGenerations() == [2])
      #expect(!FileManager.default.fileExists(atPath: directory.snapshotPath(2) + ".tmp"))
    }
  }

  @Test func rewritingReplacesTheWholeFile() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }

      try writeSnapshot(recordsOfManySizes, generation: 2, in: directory)
      let replacement = [TestRecord(type: 9, body: Array("only this".utf8))]
      try writeSnapshot(replacement, generation: 2, in: directory)

      #expect(try readRecordFile(directory.snapshotPath(2), kind: .snapshot).records == replacement)
    }
  }

  @Test func failingWriterLeavesTheOldFileIntactAndNoTemporaryFile() throws {
    try withTemporaryDirectory { path in
      let directory = try DataDirectory(path: path)
      defer { directory.unlock() }
      try writeSnapshot(recordsOfManySizes, generation: 2, in: directory)
      let before = try fileBytes(directory.snapshotPath(2))

      let header = RecordFileHeader(kind: .snapshot, formatVersion: 1, generation: 2)
      #expect(throws: SnapshotAbandoned.self) {
        try directory.writeAtomically(path: directory.snapshotPath(2), header: header) { writer in
          _ = try append([TestRecord(type: 1, body: [1, 2, 3])], to: writer)
          throw SnapshotAbandoned()
        }
      }

      #expect(try fileBytes(directory.snapshotPath(2)) == before)
      #expect(!FileManager.default.fileExists(atPath: directory.snapshotPath(2) + ".tmp"))
    }
  }
}
