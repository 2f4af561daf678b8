import ZeroMQ

/// A daemon the subscribe scenario measures, with the channels its clients subscribe to and
/// the subscription count to come back to after each run.
struct SubscribeDaemon {
  let daemon: DaemonUnderTest
  /// The fsync setting it was started with, when the scenario compares settings.
  let fsync: FsyncPolicy?
  let context: ZMQContext
  let channelIDs: [String]
  private let population: Population
  private let baseline: Int

  /// Starts a daemon (or connects to --endpoint) and creates `channels` channels on it.
  init(
    options: DaemonOptions, fsync: FsyncPolicy?, channels: Int, maxSubscriberCount: Int
  ) throws {
    daemon = try options.startDaemon(fsync: fsync)
    self.fsync = fsync
    context = try ZMQContext()
    population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let prefix = "@TOA#_subscribe-\(UInt32.random(in: 0...UInt32.max))-"
    channelIDs = (0..<channels).map { prefix + String($0) }
    for channel in channelIDs {
      try population.createChannel(channel, maxSubscriberCount: maxSubscriberCount)
    }
    baseline = try DaemonStats(population: population).subscriptions
  }

  /// Waits until the fan-out queues are empty, so that one phase's events do not slow the next.
  func waitUntilIdle() throws {
    try DaemonStats.waitUntilIdle(
      population: population, deadline: Deadline("fan-out queues emptying", seconds: 60))
  }

  /// Throws unless `stats` counts exactly `added` subscriptions more than before the runs.
  func checkSubscriptions(added: Int, after phase: String) throws {
    let counted = try DaemonStats(population: population).subscriptions - baseline
    guard counted == added else {
      throw BenchmarkError("\(counted) subscriptions after \(phase); expected \(added)")
    }
  }
}
