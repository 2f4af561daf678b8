import ChannelCastStorage
import Foundation

/// Runs `body` with a fresh directory of its own, then removes it, so tests running in parallel
/// never share a file.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("channelcast-storage-test-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: path) }
  return try body(path)
}

/// A record to write: its type and body.
struct TestRecord: Equatable {
  var type: UInt8
  var body: [UInt8]
}

/// Records of many sizes: empty, around the 8-byte steps of the checksum, and large.
let recordsOfManySizes: [TestRecord] = [0, 1, 7, 8, 9, 15, 16, 17, 100, 4_095, 65_537, 1 << 20]
  .enumerated().map { index, size in
    TestRecord(
      type: UInt8(index), body: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
  }

/// Creates the record file `path` holding `records` and returns where each record starts.
@discardableResult
func writeRecordFile(
  _ path: String, _ records: [TestRecord], kind: RecordFileKind = .journal,
  formatVersion: UInt32 = 1, generation: UInt64 = 1
) throws -> [Int] {
  let header = RecordFileHeader(kind: kind, formatVersion: formatVersion, generation: generation)
  let writer = try RecordFileWriter.create(path: path, header: header)
  defer { writer.close() }
  return try append(records, to: writer)
}

/// Appends `records` to `writer`, one write each, and returns where each record starts.
func append(_ records: [TestRecord], to writer: RecordFileWriter) throws -> [Int] {
  var offsets: [Int] = []
  var buffer = RecordBuffer()
  for record in records {
    offsets.append(writer.length)
    buffer.append(type: record.type) { $0.append(contentsOf: record.body) }
    try writer.write(&buffer)
  }
  return offsets
}

/// What reading a whole record file gave: the good records, then the error that stopped it.
struct ReadOutcome {
  var records: [TestRecord] = []
  var offsets: [Int] = []
  var validLength = 0
  var error: StorageError?
}

/// Reads the record file `path` until its end or its first bad record.
func readRecordFile(
  _ path: String, kind: RecordFileKind = .journal, newestFormatVersion: UInt32 = 1
) throws -> ReadOutcome {
  let reader = try RecordFileReader(
    path: path, kind: kind, newestFormatVersion: newestFormatVersion)
  var outcome = ReadOutcome()
  do {
    while let record = try reader.next() {
      outcome.records.append(TestRecord(type: record.type, body: record.body))
      outcome.offsets.append(record.offset)
    }
  } catch {
    outcome.error = error
  }
  outcome.validLength = reader.validLength
  return outcome
}

/// The bytes of the file `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
  Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Replaces the content of the file `path` with `bytes`.
func setFileBytes(_ path: String, _ bytes: [UInt8]) throws {
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The number of the current process, as the lock file holds it.
var currentPID: String { String(ProcessInfo.processInfo.processIdentifier) }

/// Runs `body` with a locked data directory of its own, then unlocks and removes it.
func withDataDirectory<Result>(_ body: (DataDirectory) throws -> Result) throws -> Result {
  try withTemporaryDirectory { path in
    let directory = try DataDirectory(path: path)
    defer { directory.unlock() }
    return try body(directory)
  }
}

extension Journal {
  /// Appends `records` to the buffer.
  func append(_ records: [TestRecord]) {
    for record in records {
      append(type: record.type) { $0.append(contentsOf: record.body) }
    }
  }
}
