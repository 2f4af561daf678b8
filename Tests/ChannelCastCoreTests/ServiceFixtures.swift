import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

extension ChannelCastService {
  /// A service deciding against a new, empty state of its own, as the daemon makes one without
  /// files: the state's users are `directory`, the fan-out's too.
  static func withEmptyState(
    limits: ServiceLimits = ServiceLimits(), fanOut: FanOut, directory: UserDirectory,
    log: (any MutationLog)? = nil, clock: any TimeSource = SystemTimeSource()
  ) -> ChannelCastService {
    ChannelCastService(
      state: ChannelCastState(
        shardCount: fanOut.shardCount, directory: directory, retention: HistoryRetention(limits)),
      limits: limits, fanOut: fanOut, log: log, clock: clock)
  }

  /// Handles a request as the command thread does (handle, then end the run) and returns the
  /// reply. The tests' logs are in memory and never refuse a commit.
  func reply(to request: String, as role: Role = .admin) -> [UInt8] {
    let reply = handle(Array(request.utf8), as: role).reply
    endRun()
    return reply
  }

  /// Ends a run of requests, recording an issue if it throws (the tests' logs never do).
  func endRun() {
    do {
      try finishRun()
    } catch {
      Issue.record("finishing a run failed: \(error)")
    }
  }
}
