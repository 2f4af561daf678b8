import ChannelCastCore
import ChannelCastProtocol

/// A service as the daemon makes one, without sockets or files: its own user directory, a
/// fan-out of two shards into a `CheckedDeliverySink`, and the harness's clock.
public struct StandaloneService {
  /// The history limits of the fuzz targets: small, so that a short input reaches eviction by
  /// count, by bytes and by age.
  public static let limits: ServiceLimits = {
    var limits = ServiceLimits()
    limits.historySize = 8
    limits.historyMaxBytes = 4096
    limits.historyMaxAgeMs = 60_000
    return limits
  }()

  public let service: ChannelCastService
  public let fanOut: FanOut

  /// A service with an empty state, journaling into `log` when one is given.
  public init(
    clock: FuzzClock, limits: ServiceLimits = StandaloneService.limits,
    log: (any MutationLog)? = nil
  ) {
    let directory = UserDirectory()
    fanOut = FanOut(shardCount: 2, directory: directory, sink: CheckedDeliverySink())
    service = ChannelCastService(
      state: ChannelCastState(
        shardCount: 2, directory: directory, retention: HistoryRetention(limits)),
      limits: limits, fanOut: fanOut, log: log, clock: clock)
  }

  /// The state the service decides against and applies to.
  public var state: ChannelCastState { service.state }

  /// Handles one request frame in `role` and checks the reply (see `ReplyCheck`).
  @discardableResult
  public func handle(_ frame: [UInt8], as role: Role = .admin) -> JSONObject {
    ReplyCheck.check(service.handle(frame, as: role).reply, to: frame)
  }

  /// Ends a run of requests (see `ChannelCastService.finishRun`); the harness's journals are
  /// in memory and never refuse a commit.
  public func finishRun() {
    do {
      try service.finishRun()
    } catch {
      fatalError("an in-memory journal refused a commit: \(error)")
    }
  }

  /// Waits until every delivery submitted so far has gone through the sink.
  public func drain() {
    guard fanOut.waitUntilDrained(timeout: .seconds(60)) else {
      fatalError("the fan-out did not drain within a minute")
    }
  }
}
