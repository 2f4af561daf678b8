import ChannelCastProtocol
import Foundation

/// The figures of the daemon's `stats` reply that scenarios compare before and after a run.
struct DaemonStats {
  let officialAccounts: Int
  let subscriptions: Int
  let users: Int
  let deliveriesSent: Int
  let deliveriesDropped: Int
  let shardQueueDepths: [Int]
  let uptimeSeconds: Int

  init(population: Population) throws {
    let result = try population.call(.stats).result?.objectMembers
    func number(_ key: String) throws -> Int {
      guard let value = result?[key]?.int64Value else {
        throw BenchmarkError("the stats reply has no number \(key)")
      }
      return Int(value)
    }
    officialAccounts = try number("officialAccounts")
    subscriptions = try number("subscriptions")
    users = try number("users")
    deliveriesSent = try number("deliveriesSent")
    deliveriesDropped = try number("deliveriesDropped")
    shardQueueDepths = (result?["shardQueueDepths"]?.arrayElements ?? []).map {
      Int($0.int64Value ?? 0)
    }
    uptimeSeconds = try number("uptimeSeconds")
  }

  /// Waits until every fan-out shard has emptied its queue, so that memory and counters
  /// describe a daemon at rest rather than one still sending subscription events.
  static func waitUntilIdle(population: Population, deadline: Deadline) throws {
    while try DaemonStats(population: population).shardQueueDepths.contains(where: { $0 > 0 }) {
      try deadline.check()
      usleep(50_000)
    }
  }
}
