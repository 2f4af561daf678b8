import Foundation
import Synchronization

/// A dedicated thread that owns sockets: it makes them itself (with whatever else it needs),
/// so that they never cross threads, then serves with them until it is done.
enum SocketThread {
  /// Starts the thread `name` (at most 15 bytes: it shows in `top -H` and in profiles), runs
  /// `setUp` on it and then `serve` with what it made, and signals `finished` when the thread
  /// ends. Returns once `setUp` is done, throwing what it threw, so that a daemon that cannot
  /// bind fails to start rather than later.
  static func start<Resources>(
    name: String, finished: DispatchSemaphore,
    setUp: @escaping @Sendable () throws -> Resources,
    serve: @escaping @Sendable (Resources) -> Void
  ) throws {
    let setUpDone = DispatchSemaphore(value: 0)
    let setUpError = Mutex<(any Error)?>(nil)
    let thread = Thread {
      // Named from inside: a name set from outside does not reach the kernel's thread name.
      Thread.current.name = name
      let resources: Resources
      do {
        resources = try setUp()
      } catch {
        setUpError.withLock { $0 = error }
        setUpDone.signal()
        finished.signal()
        return
      }
      setUpDone.signal()
      serve(resources)
      finished.signal()
    }
    thread.start()
    setUpDone.wait()
    if let error = setUpError.withLock({ $0 }) { throw error }
  }
}
