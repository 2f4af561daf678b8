#if canImport(Glibc)
  import Glibc
#endif

/// Nanoseconds from a clock that never goes back, comparable across threads of one process.
enum MonotonicClock {
  static func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }

  static func seconds(since start: UInt64) -> Double {
    Double(nanoseconds() - start) / 1e9
  }
}

/// Unix time in microseconds, for latencies measured across processes (payload send times).
enum WallClock {
  static func microseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
  }
}
