import Dispatch

/// A value that belongs to one serial queue: the reference may travel anywhere, but the value
/// is read and changed only on that queue, which `withValue` checks (as NIO's `NIOLoopBound`
/// does for event loops).
///
/// `@unchecked Sendable`: every access goes through `withValue`, which runs on `queue` only.
final class QueueBound<Value>: @unchecked Sendable {
  let queue: DispatchQueue
  private var value: Value

  init(_ value: Value, queue: DispatchQueue) {
    self.value = value
    self.queue = queue
  }

  /// Runs `body` with the value; must be called on `queue`.
  func withValue<Result>(_ body: (inout Value) -> Result) -> Result {
    dispatchPrecondition(condition: .onQueue(queue))
    return body(&value)
  }
}
