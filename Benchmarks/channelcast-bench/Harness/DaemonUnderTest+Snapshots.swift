import Foundation

/// What the data directory of a started daemon says about its snapshots: whether one is being
/// written, and which journal generation is current (each snapshot starts a new one).
extension DaemonUnderTest {
  /// Whether a snapshot is being written in the background: its `.tmp` file exists.
  var isWritingSnapshot: Bool {
    get throws { try dataFileNames().contains { $0.hasSuffix(".tmp") } }
  }

  /// The generation of the newest journal (`journal-<generation as 20 digits>.ccj`): the
  /// daemon starts a generation with each snapshot, so the difference between two readings is
  /// the number of snapshots started in between.
  func journalGeneration() throws -> Int {
    let generations = try dataFileNames().compactMap { name -> Int? in
      guard name.hasPrefix("journal-"), name.hasSuffix(".ccj") else { return nil }
      return Int(name.dropFirst("journal-".count).dropLast(".ccj".count))
    }
    guard let newest = generations.max() else {
      throw BenchmarkError("no journal in the data directory: \(try dataFileNames())")
    }
    return newest
  }

  /// Waits until no snapshot is being written in the background (its `.tmp` file is gone), so
  /// that memory is measured on a daemon at rest. With `quietSeconds`, until none has been
  /// for that long: when the journal has outgrown `--snapshot-journal-bytes` the daemon starts
  /// the next snapshot as soon as one is written, so a single look could fall in the gap.
  func waitUntilNoSnapshotInProgress(_ deadline: Deadline, quietSeconds: Double = 0) throws {
    var quietSince = MonotonicClock.nanoseconds()
    while true {
      if try isWritingSnapshot {
        quietSince = MonotonicClock.nanoseconds()
      } else if MonotonicClock.seconds(since: quietSince) >= quietSeconds {
        return
      }
      try deadline.check()
      usleep(50_000)
    }
  }
}
