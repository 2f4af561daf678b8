import Foundation

/// A started daemon's standard error, captured in a file of its temporary folder, and what the
/// harness reads from it: the recovery line, the snapshots written, and the problems to pass on.
///
/// Lines look like swift-log's `StreamLogHandler` writes them:
/// `2026-11-26T21:46:26+0000 info channelcastd: key=value key=value [Module] message`.
struct DaemonLog {
  /// The daemon's `recovered` line (or `started with an empty data directory`): what it says
  /// it loaded, and how long loading took by its own clock.
  struct Recovery {
    /// False when the daemon found nothing to load.
    let loadedAnything: Bool
    let milliseconds: Int
    let journalFiles: Int
    let journalRecords: Int
    let subscriptions: Int
    let users: Int
  }

  /// A `snapshot written` line: which generation, and how long writing the file took by the
  /// daemon's clock (from the start of the write on the snapshot queue to the old files removed;
  /// not the moment on the command thread that started it).
  struct SnapshotWritten {
    let generation: Int
    let milliseconds: Double
  }

  let url: URL

  /// Creates the empty file (a process's standard error must exist before it starts).
  init(url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw BenchmarkError("cannot create the daemon's log file \(url.path)")
    }
    self.url = url
  }

  /// A handle to give the process as its standard error.
  func handleForWriting() throws -> FileHandle {
    try FileHandle(forWritingTo: url)
  }

  private var lines: [Substring] { lines(after: 0) }

  /// The lines that begin at or after byte `offset`.
  private func lines(after offset: Int) -> [Substring] {
    let data = (try? Data(contentsOf: url)) ?? Data()
    return String(decoding: data.dropFirst(offset), as: UTF8.self).split(separator: "\n")
  }

  /// How many bytes the daemon has logged so far: a mark to read only later lines from.
  var byteCount: Int {
    let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes?[.size] as? Int) ?? 0
  }

  /// The `snapshot written` lines logged at or after byte `offset`, in order.
  func snapshotsWritten(after offset: Int) throws -> [SnapshotWritten] {
    try lines(after: offset).filter { $0.hasSuffix("] snapshot written") }.map { line in
      let fields = Self.fields(of: line)
      guard let generation = fields["generation"].flatMap({ Int($0) }),
        let milliseconds = fields["milliseconds"].flatMap({ Double($0) })
      else { throw BenchmarkError("a snapshot line without generation or milliseconds: \(line)") }
      return SnapshotWritten(generation: generation, milliseconds: milliseconds)
    }
  }

  /// The last `count` lines, for an error message when the daemon did not start.
  func tail(_ count: Int) -> String {
    lines.suffix(count).joined(separator: "\n")
  }

  /// The lines at level warning or above, which the daemon would have shown on the terminal.
  var problems: [Substring] {
    lines.filter { line in
      let level = line.split(separator: " ", maxSplits: 2).dropFirst().first ?? ""
      return ["warning", "error", "critical"].contains(level)
    }
  }

  /// The recovery line, once the daemon has logged it (it does so before it takes requests).
  func recovery() throws -> Recovery {
    let messages = ["] recovered", "] started with an empty data directory"]
    guard let line = lines.last(where: { line in messages.contains { line.hasSuffix($0) } })
    else {
      throw BenchmarkError("the daemon logged no recovery line in \(url.path):\n\(tail(5))")
    }
    let fields = Self.fields(of: line)
    func number(_ key: Substring) throws -> Int {
      guard let value = fields[key].flatMap({ Int($0) }) else {
        throw BenchmarkError("the recovery line has no number \(key): \(line)")
      }
      return value
    }
    return Recovery(
      loadedAnything: line.hasSuffix(messages[0]), milliseconds: try number("milliseconds"),
      journalFiles: try number("journalFiles"), journalRecords: try number("journalRecords"),
      subscriptions: try number("subscriptions"), users: try number("users"))
  }

  /// The `key=value` metadata of a line.
  private static func fields(of line: Substring) -> [Substring: Substring] {
    var fields: [Substring: Substring] = [:]
    for token in line.split(separator: " ") {
      guard let equals = token.firstIndex(of: "=") else { continue }
      fields[token[..<equals]] = token[token.index(after: equals)...]
    }
    return fields
  }
}
