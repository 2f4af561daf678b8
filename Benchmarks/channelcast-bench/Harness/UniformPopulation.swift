import Foundation

/// A daemon filled the way the `memory` scenario fills it: subscriptions / subscriptionsPerUser
/// users, each subscribed to subscriptionsPerUser distinct channels, every channel equally full
/// (and created with room for exactly its subscribers).
struct UniformPopulation {
  let subscriptions: Int
  let users: Int
  private let plan: SubscriptionPlan

  init(subscriptions: Int, channels: Int, subscriptionsPerUser: Int) {
    self.subscriptions = subscriptions
    users = subscriptions / subscriptionsPerUser
    plan = SubscriptionPlan(
      users: users, channelSizes: Array(repeating: subscriptions / channels, count: channels),
      seed: 1, channelPrefix: "@TOA#_memory-")
  }

  /// The ID of the first channel and the subscribers every channel holds.
  var firstChannel: (id: String, subscribers: Int) {
    (plan.channelID(0), plan.channelSizes[0])
  }

  func createChannels(in population: Population, deadline: Deadline) throws {
    try plan.createChannels(in: population, deadline: deadline)
  }

  /// Subscribes every user with batch requests and returns how long that took; then waits until
  /// the daemon is at rest (fan-out queues empty, no snapshot being written) and checks with
  /// `stats` that it holds exactly this population.
  func subscribeAll(
    in population: Population, daemon: DaemonUnderTest, label: String, deadline: Deadline
  ) throws -> Double {
    let start = MonotonicClock.nanoseconds()
    try plan.subscribeAll(in: population, label: label, deadline: deadline)
    let seconds = MonotonicClock.seconds(since: start)
    try DaemonStats.waitUntilIdle(population: population, deadline: deadline)
    try daemon.waitUntilNoSnapshotInProgress(deadline)
    let stats = try DaemonStats(population: population)
    guard stats.subscriptions == subscriptions, stats.users == users else {
      throw BenchmarkError(
        "the daemon holds \(stats.subscriptions) subscriptions of \(stats.users) users; "
          + "planned \(subscriptions) of \(users)")
    }
    return seconds
  }
}
