import ChannelCastCore
import ChannelCastStorage
import Dispatch
import Logging
import Synchronization

/// Writes snapshot files, one at a time, on its own queue or on the caller's thread: atomically
/// (a temporary file, fsync, rename, fsync of the directory), then removes the journals and
/// snapshots the new one replaces.
final class SnapshotWriter: Sendable {
  private let directory: DataDirectory
  private let logger: Logger
  private let queue = DispatchQueue(label: "channelcast.snapshot")
  private let writing = Atomic<Bool>(false)
  private let metrics: DaemonMetrics?

  init(directory: DataDirectory, logger: Logger, metrics: DaemonMetrics?) {
    self.directory = directory
    self.logger = logger
    self.metrics = metrics
  }

  /// Whether a background snapshot is being written.
  var isWriting: Bool { writing.load(ordering: .acquiring) }

  /// Writes on the snapshot queue; a failure is logged (the journal still holds everything,
  /// and the next snapshot retries).
  func writeInBackground(_ snapshot: ServiceSnapshot, generation: UInt64) {
    writing.store(true, ordering: .releasing)
    queue.async { [self] in
      defer { writing.store(false, ordering: .releasing) }
      do {
        try write(snapshot, generation: generation)
      } catch {
        logger.error(
          "snapshot failed; the journal keeps everything and a later snapshot will retry",
          metadata: ["generation": "\(generation)", "error": "\(error)"])
      }
    }
  }

  /// Blocks until a background snapshot in progress is written.
  func waitUntilWritten() {
    queue.sync {}
  }

  /// Writes on this thread.
  func write(_ snapshot: ServiceSnapshot, generation: UInt64) throws {
    let started = ContinuousClock.now
    let path = directory.snapshotPath(generation)
    try directory.writeAtomically(
      path: path, header: DurableFormat.snapshotHeader(generation: generation)
    ) { writer in
      var output = SnapshotFileOutput(writer: writer)
      try snapshot.write(to: &output)
      try output.flush()
    }
    try directory.removeJournals(before: generation)
    try directory.removeSnapshots(before: generation)
    metrics?.recordSnapshot(ContinuousClock.now - started)
    logger.info(
      "snapshot written",
      metadata: [
        "path": "\(path)", "generation": "\(generation)",
        "milliseconds": "\((ContinuousClock.now - started) / .milliseconds(1))",
      ])
  }
}
