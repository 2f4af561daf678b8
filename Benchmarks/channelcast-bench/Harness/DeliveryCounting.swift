import Foundation

/// Deliveries counted by one consumer or several, and the waits every scenario ends a run with.
protocol DeliveryCounting: AnyObject {
  /// Deliveries counted since the last reset.
  var count: Int { get }

  /// Throws what stopped a consumer's thread, if one has stopped.
  func checkRunning() throws
}

extension DeliveryCounting {
  /// Waits until `expected` deliveries have been counted, or throws at the deadline.
  func wait(forCount expected: Int, deadline: Deadline) throws {
    guard try waitUntilCounted(expected, deadline: deadline) else {
      throw BenchmarkError(
        "\(deadline.what): received \(count) of \(expected) deliveries within "
          + "\(Int(deadline.seconds)) s")
    }
  }

  /// Waits until `expected` deliveries have been counted: true when they were, false when the
  /// deadline passed first (for a scenario that reports what is missing rather than failing).
  func waitUntilCounted(_ expected: Int, deadline: Deadline) throws -> Bool {
    while count < expected {
      try checkRunning()
      if deadline.hasPassed { return false }
      usleep(200)
    }
    return true
  }

  /// Waits until nothing has arrived for `quietMilliseconds`.
  func waitForQuiet(quietMilliseconds: Int = 200, deadline: Deadline) throws {
    var last = count
    var quietSince = MonotonicClock.nanoseconds()
    while MonotonicClock.nanoseconds() - quietSince < UInt64(quietMilliseconds) * 1_000_000 {
      try deadline.check()
      usleep(10_000)
      if count != last {
        last = count
        quietSince = MonotonicClock.nanoseconds()
      }
    }
  }
}
