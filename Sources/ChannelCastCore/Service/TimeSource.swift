#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The wall clock, replaceable in tests.
public protocol TimeSource: Sendable {
  /// Unix time in milliseconds.
  func nowMilliseconds() -> Int64
}

/// The system's real-time clock.
public struct SystemTimeSource: TimeSource {
  public init() {}

  public func nowMilliseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
  }
}
