/// A point in time after which a scenario gives up.
struct Deadline {
  let what: String
  let seconds: Double
  private let end: UInt64

  init(_ what: String, seconds: Double) {
    self.what = what
    self.seconds = seconds
    end = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
  }

  var hasPassed: Bool { MonotonicClock.nanoseconds() >= end }

  /// Throws `BenchmarkError.timedOut` once the deadline has passed.
  func check() throws {
    if hasPassed { throw BenchmarkError.timedOut(what, seconds: seconds) }
  }
}
