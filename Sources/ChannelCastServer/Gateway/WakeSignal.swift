import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A pipe that other threads signal to wake a thread out of its `zmq_poll`: the shards
/// when an outbox gets its first batch, the shards' completions of attach and detach.
///
/// A signal while one is pending costs no system call.
final class WakeSignal: Sendable {
  /// The read end, which the woken thread polls.
  let descriptor: Int32
  private let writeEnd: Int32
  private let pending = Atomic<Bool>(false)

  init() throws(DaemonPartError) {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw .gatewaySocketFailed("pipe: errno \(errno)") }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    descriptor = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(descriptor)
    close(writeEnd)
  }

  func signal() {
    guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
    var one: UInt8 = 1
    _ = write(writeEnd, &one, 1)
  }

  /// Takes the pending signal; call before looking for work, so that work posted afterwards
  /// signals again. The pipe is emptied first: a signal between clearing `pending` and
  /// emptying it would lose its byte while `pending` stays set, and every signal after it
  /// would then write nothing.
  func reset() {
    var drained = [UInt8](repeating: 0, count: 64)
    while read(descriptor, &drained, drained.count) > 0 {}
    pending.store(false, ordering: .sequentiallyConsistent)
  }
}
