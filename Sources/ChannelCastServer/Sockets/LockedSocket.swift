import Foundation
import ZeroMQ

/// A socket confined by a lock: whoever holds the lock is the socket's one owner.
///
/// `@unchecked Sendable`: `socket` is read and written only inside `withSocket` and `close`,
/// under `lock`. The lock is an `NSLock` (a pthread mutex) rather than `Mutex` so that
/// ThreadSanitizer, which understands pthreads, sees the ordering it provides.
final class LockedSocket: @unchecked Sendable {
  private let lock = NSLock()
  private var socket: Socket?

  init(_ socket: consuming sending Socket) {
    self.socket = socket
  }

  /// Runs `body` with the socket while holding the lock; nil after `close()`.
  func withSocket<Result>(_ body: (Socket?) -> Result) -> Result {
    lock.withLock { body(socket) }
  }

  /// Runs `body` with the socket if no one else holds the lock; nil without running it if
  /// someone does.
  func withSocketIfFree<Result>(_ body: (Socket?) -> Result) -> Result? {
    guard lock.try() else { return nil }
    defer { lock.unlock() }
    return body(socket)
  }

  /// Closes the socket (waiting for a current user to finish).
  func close() {
    lock.withLock {
      socket?.close()
      socket = nil
    }
  }
}
