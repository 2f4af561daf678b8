#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Calls an action every interval on a thread of its own, until ``stop()``.
///
/// Owned by whoever created it; only that owner calls ``stop()``. The thread sleeps in poll(2),
/// whose timeout follows the monotonic clock, on a pipe that ``stop()`` writes to, so stopping
/// takes effect at once, even in the middle of an interval.
final class PeriodicThread {
  private let wakeUpPipe: (read: Int32, write: Int32)
  private var thread: pthread_t?

  /// Starts a thread that calls `action` every `intervalMilliseconds`; `name` says in error
  /// messages which thread could not start.
  init(name: String, intervalMilliseconds: Int32, action: @escaping @Sendable () -> Void)
    throws(StorageError)
  {
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else {
      throw .lastIO(path: "thread \(name)", operation: "create the wake-up pipe of")
    }
    for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    wakeUpPipe = (pipeEnds[0], pipeEnds[1])

    let readEnd = pipeEnds[0]
    let loop = Loop {
      var waitingForStop = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
      while true {
        let ready = poll(&waitingForStop, 1, intervalMilliseconds)
        if ready > 0 { return }
        // A signal (EINTR) starts the wait over: the action only runs late.
        if ready == 0 { action() }
      }
    }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(loop).toOpaque()
    let result = pthread_create(
      &thread, nil,
      { context in
        Unmanaged<Loop>.fromOpaque(context!).takeRetainedValue().body()
        return nil
      }, context)
    guard result == 0 else {
      Unmanaged<Loop>.fromOpaque(context).release()
      FileSystem.closeFile(pipeEnds[0])
      FileSystem.closeFile(pipeEnds[1])
      throw .io(path: "thread \(name)", operation: "pthread_create", errno: result)
    }
    self.thread = thread
  }

  deinit {
    stop()
  }

  /// Wakes the thread and waits until it has finished; after this, `action` is not running
  /// and never runs again. Stopping twice is fine.
  func stop() {
    guard let thread else { return }
    self.thread = nil
    var byte: UInt8 = 1
    _ = write(wakeUpPipe.write, &byte, 1)
    pthread_join(thread, nil)
    FileSystem.closeFile(wakeUpPipe.read)
    FileSystem.closeFile(wakeUpPipe.write)
  }

  /// The thread's body, passed through pthread_create's context pointer.
  private final class Loop {
    let body: () -> Void

    init(_ body: @escaping () -> Void) {
      self.body = body
    }
  }
}
