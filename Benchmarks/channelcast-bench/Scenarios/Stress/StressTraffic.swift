import ChannelCastProtocol
import Synchronization

/// One stream of the stress load, sent by one `StressWorker` over its own connection: it makes
/// the requests, each with the reply the protocol promises for it, and learns from the replies.
///
/// The daemon handles one connection's requests in the order they were sent, so a stream that
/// alone changes some state (the subscriptions of the stable channels, the churned channels)
/// predicts each reply exactly from what it sent before.
protocol StressTraffic: Sendable {
  /// The request numbered `number` (unique within the stream; its `id` where the id is readable).
  mutating func nextRequest(number: Int) -> StressRequest

  /// Sees the reply to request `number` once it has the expected code; `result` is the
  /// `result` object of an `ok` reply.
  mutating func learn(number: Int, code: String, result: JSONObject?)
}

extension StressTraffic {
  mutating func learn(number: Int, code: String, result: JSONObject?) {}
}

/// When the stress load runs, shared by every worker: from `start` to `end` (monotonic
/// nanoseconds), or until the scenario stops it early because the daemon went away.
final class StressSchedule: Sendable {
  let start: UInt64
  let end: UInt64
  private let stopped = Atomic<Bool>(false)

  init(seconds: Double) {
    start = MonotonicClock.nanoseconds()
    end = start + UInt64(seconds * 1e9)
  }

  /// Whether no request should be sent any more.
  var isOver: Bool {
    stopped.load(ordering: .relaxed) || MonotonicClock.nanoseconds() >= end
  }

  var wasStoppedEarly: Bool { stopped.load(ordering: .relaxed) }

  func stopEarly() { stopped.store(true, ordering: .relaxed) }

  var elapsedSeconds: Double { MonotonicClock.seconds(since: start) }
}
