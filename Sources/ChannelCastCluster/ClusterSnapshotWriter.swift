import ChannelCastCore
import Foundation
import NATS

/// Writes the cluster's snapshots on a thread of its own (`cc-snapshot`), one at a time:
/// encoding a state of millions of subscriptions and publishing it takes seconds, which the
/// command thread must not wait. After each snapshot it trims the log up to the snapshot it
/// replaced, and no further than every live node has applied (the position the command
/// thread gave with it).
///
/// Before writing, it reads the latest manifest: a snapshot some other node wrote since (the
/// writer changes with the owner of channel partition 0) may make this one unnecessary.
///
/// Ownership: the thread owns the store; `latestSequence` and the slot for the next job are
/// under `condition` (an NSCondition, which ThreadSanitizer sees): `@unchecked Sendable`.
public final class ClusterSnapshotWriter: @unchecked Sendable {
  /// A snapshot to write and the log position up to which the log may then be trimmed.
  struct Job: @unchecked Sendable {
    let snapshot: ClusterSnapshot
    let trimLogBefore: UInt64
  }

  /// What a job came to, told on the writer thread.
  public enum Outcome: Sendable {
    case written(ClusterSnapshotStore.Manifest, trimmedLogBefore: UInt64, milliseconds: Int)
    /// Another snapshot, at least as recent for the purpose, was there.
    case notNeeded(latest: UInt64)
    case failed(String)
  }

  private let condition = NSCondition()
  private var job: Job?
  private var busy = false
  private var stopped = false
  private var latest: UInt64
  private let finished = DispatchSemaphore(value: 0)

  /// Starts the thread; `latestSequence` starts at `latest` (the snapshot a starting node
  /// loaded, 0 for none); `finishedJob` is told each job's outcome on the writer thread.
  public init(
    store: ClusterSnapshotStore, logStream: String, entriesBetween: UInt64, latest: UInt64,
    finishedJob: @escaping @Sendable (Outcome) -> Void
  ) {
    self.latest = latest
    let thread = Thread { [self] in
      defer { finished.signal() }
      while let job = nextJob() {
        let outcome = Self.run(
          job, store: store, logStream: logStream, entriesBetween: entriesBetween)
        condition.withLock {
          switch outcome {
          case .written(let manifest, _, _): self.latest = max(self.latest, manifest.logSequence)
          case .notNeeded(let sequence): self.latest = max(self.latest, sequence)
          case .failed: break
          }
          busy = false
        }
        finishedJob(outcome)
      }
    }
    thread.name = "cc-snapshot"
    thread.start()
  }

  /// The log position of the latest snapshot this node knows of.
  public var latestSequence: UInt64 { condition.withLock { latest } }

  /// Whether a snapshot is being written.
  public var isBusy: Bool { condition.withLock { busy } }

  /// Hands the thread a snapshot to write unless one is under way; returns whether it took it.
  @discardableResult
  public func write(_ snapshot: ClusterSnapshot, trimLogBefore: UInt64) -> Bool {
    condition.withLock {
      guard !busy, !stopped else { return false }
      busy = true
      job = Job(snapshot: snapshot, trimLogBefore: trimLogBefore)
      condition.broadcast()
      return true
    }
  }

  /// Stops the thread once the snapshot under way, if any, is written.
  public func stop() {
    let wasRunning = condition.withLock {
      defer {
        stopped = true
        condition.broadcast()
      }
      return !stopped
    }
    if wasRunning { finished.wait() }
  }

  private func nextJob() -> Job? {
    condition.withLock {
      while job == nil, !stopped { condition.wait() }
      defer { job = nil }
      return job
    }
  }

  private static func run(
    _ job: Job, store: ClusterSnapshotStore, logStream: String, entriesBetween: UInt64
  ) -> Outcome {
    let started = ContinuousClock.now
    let sequence = job.snapshot.position.logSequence
    do {
      if let current = try store.latest(), current.logSequence + entriesBetween > sequence {
        return .notNeeded(latest: current.logSequence)
      }
      let (manifest, replaced) = try store.write(
        try job.snapshot.encoded(), logSequence: sequence)
      // Up to the snapshot replaced, not this one: a node that read the replaced one's
      // manifest a moment ago still finds the entries after it.
      let trim = min(job.trimLogBefore, (replaced?.logSequence ?? 0) + 1)
      if trim > 1 { try store.connection.purgeStream(logStream, before: trim) }
      return .written(
        manifest, trimmedLogBefore: trim,
        milliseconds: Int((ContinuousClock.now - started) / .milliseconds(1)))
    } catch {
      return .failed("\(error)")
    }
  }
}
