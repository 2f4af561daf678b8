import Synchronization

/// How far one broadcast's fan-out has got: the shard jobs it still has. A shard reports a job
/// finished once the job's last delivery is in the delivery socket; the command thread polls
/// `isFinished` to journal that the broadcast need not be fanned out again after a crash.
///
/// Polling rather than a callback keeps the shards free of locks on the command thread's state.
public final class BroadcastProgress: Sendable {
  private let remainingJobs: Atomic<Int>
  private let startedAt = ContinuousClock.now
  /// Told how long the fan-out took, by the shard that finishes it.
  private let onFinished: (@Sendable (Duration) -> Void)?

  init(jobs: Int, onFinished: (@Sendable (Duration) -> Void)?) {
    remainingJobs = Atomic(jobs)
    self.onFinished = onFinished
  }

  /// Whether every job has been handed to the delivery socket.
  public var isFinished: Bool { remainingJobs.load(ordering: .acquiring) == 0 }

  func jobFinished() {
    if remainingJobs.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
      onFinished?(ContinuousClock.now - startedAt)
    }
  }
}
