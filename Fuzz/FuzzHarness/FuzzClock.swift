import ChannelCastCore
import Synchronization

/// A wall clock that moves only when the harness says so: a fuzz input replays the same way
/// every time.
public final class FuzzClock: TimeSource {
  /// Where every input starts: November 2026.
  public static let start: Int64 = 1_795_000_000_000
  private let now = Atomic<Int64>(FuzzClock.start)

  public init() {}

  public func nowMilliseconds() -> Int64 { now.load(ordering: .relaxed) }

  /// Moves the clock forward by `milliseconds`.
  public func advance(milliseconds: Int64) {
    now.add(milliseconds, ordering: .relaxed)
  }
}
