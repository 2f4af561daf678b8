import Synchronization
import ZeroMQ

/// A socket confined by a lock: whoever holds the lock is the socket's one owner.
///
/// `@unchecked Sendable`: `socket` is read and written only inside `withSocket` and `close`,
/// under `lock`. (`Mutex<Socket>` says the same, but its `sending` closure cannot be used with
/// buffers borrowed from the caller, which is how deliveries arrive.)
final class LockedSocket: @unchecked Sendable {
  private let lock = Mutex<Void>(())
  private var socket: Socket?

  init(_ socket: consuming sending Socket) {
    self.socket = socket
  }

  /// Runs `body` with the socket while holding the lock; nil after `close()`.
  func withSocket<Result>(_ body: (Socket?) -> Result) -> Result {
    lock.withLock { _ in body(socket) }
  }

  /// Closes the socket (waiting for a current user to finish).
  func close() {
    lock.withLock { _ in
      socket?.close()
      socket = nil
    }
  }
}
