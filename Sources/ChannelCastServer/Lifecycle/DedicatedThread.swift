import Dispatch
import Foundation
import Synchronization

/// A thread of its own for a part of the daemon that must block outside Swift concurrency (in
/// `zmq_poll`, `poll(2)`, `accept`), owned and ended by that part's `DaemonPartService`.
///
/// The thread makes what it needs itself (sockets never cross threads), then serves until it is
/// asked to stop or fails. Its owner asks with `requestStop()`, which returns at once, learns
/// that serving is over from `finishedServing()` (async, for the service), and waits for the
/// thread's end with `waitUntilEnded()` (blocking, for the daemon's synchronous `shutdown()`).
final class DedicatedThread: Sendable {
  private enum State {
    /// Serving; the continuations wait for the end of it.
    case serving(waiters: [CheckedContinuation<Void, Never>])
    /// Serving is over: the thread ended (asked to, or failing), or it failed and holds on to
    /// its resources until it is asked to stop (see `reportFailure(_:)`).
    case finishedServing(failure: (any Error)?)
  }

  private let state = Mutex<State>(.serving(waiters: []))
  private let stopFlag = Atomic<Bool>(false)
  private let joined = DispatchGroup()

  /// Whether the owner asked the thread to stop: its serving loop looks at this every turn.
  var isStopRequested: Bool { stopFlag.load(ordering: .relaxed) }

  /// Why the thread stopped serving by itself; nil while it serves or when it was asked to stop.
  var failure: (any Error)? {
    state.withLock { state in
      guard case .finishedServing(let failure) = state else { return nil }
      return failure
    }
  }

  private init() {}

  /// Starts the thread `name` (at most 15 bytes: it shows in `top -H` and in profiles), runs
  /// `setUp` on it and then `serve` with what it made. Returns once `setUp` is done, throwing
  /// what it threw, so that a daemon that cannot bind or recover fails to start rather than
  /// later. What `serve` throws is the thread's `failure`.
  static func start<Resources>(
    name: String, setUp: @escaping @Sendable () throws -> Resources,
    serve: @escaping @Sendable (Resources, DedicatedThread) throws -> Void
  ) throws -> DedicatedThread {
    let thread = DedicatedThread()
    let setUpDone = DispatchSemaphore(value: 0)
    let setUpError = Mutex<(any Error)?>(nil)
    thread.joined.enter()
    Thread {
      // Named from inside: a name set from outside does not reach the kernel's thread name.
      Thread.current.name = name
      defer { thread.joined.leave() }
      let resources: Resources
      do {
        resources = try setUp()
      } catch {
        setUpError.withLock { $0 = error }
        thread.finishServing(failure: error)
        setUpDone.signal()
        return
      }
      setUpDone.signal()
      do {
        try serve(resources, thread)
        thread.finishServing(failure: nil)
      } catch {
        thread.finishServing(failure: error)
      }
    }.start()
    setUpDone.wait()
    if let error = setUpError.withLock({ $0 }) {
      thread.waitUntilEnded()
      throw error
    }
    return thread
  }

  /// Asks the thread to stop; returns at once. The thread finishes what it has in hand first.
  func requestStop() {
    stopFlag.store(true, ordering: .relaxed)
  }

  /// Called on the thread when it can serve no longer but must keep its resources until it is
  /// asked to stop (the ZAP handler keeps its socket bound, so that libzmq admits no one).
  func reportFailure(_ error: any Error) {
    finishServing(failure: error)
  }

  /// Returns once the thread has stopped serving, without blocking a thread of the
  /// concurrency pool.
  func finishedServing() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let finished = state.withLock { state in
        guard case .serving(var waiters) = state else { return true }
        waiters.append(continuation)
        state = .serving(waiters: waiters)
        return false
      }
      if finished { continuation.resume() }
    }
  }

  /// Blocks until the thread has ended.
  func waitUntilEnded() {
    joined.wait()
  }

  private func finishServing(failure: (any Error)?) {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      guard case .serving(let waiters) = state else { return [] }
      state = .finishedServing(failure: failure)
      return waiters
    }
    for waiter in waiters { waiter.resume() }
  }
}
