import Foundation

/// Who subscribes to which channel, for scenarios with many channels and many users.
///
/// The subscriptions are laid end to end, channel after channel; subscription number s goes to
/// user number `s mod users`, renamed by a seeded permutation so that a channel's subscribers
/// are scattered over the users rather than neighbours. Hence no channel holds a user twice (no
/// channel is larger than the user count), every user holds ⌊total / users⌋ subscriptions or one
/// more, each to a different channel, and the plan needs no memory per subscription.
struct SubscriptionPlan: Sendable {
  let users: Int
  let channelSizes: [Int]
  /// Channel IDs are this prefix and the channel's index, so that a run can share a daemon.
  let channelPrefix: String
  /// Where each channel's subscribers start in the sequence of all subscriptions.
  private let firstSubscription: [Int]
  private let multiplier: Int
  private let increment: Int

  init(users: Int, channelSizes: [Int], seed: UInt64, channelPrefix: String) {
    precondition(users >= 1 && channelSizes.allSatisfy { (1...users).contains($0) })
    self.users = users
    self.channelSizes = channelSizes
    self.channelPrefix = channelPrefix
    var start = 0
    firstSubscription = channelSizes.map { size in
      defer { start += size }
      return start
    }
    var generator = SeededGenerator(seed: seed)
    var multiplier = Int.random(in: 1...users, using: &generator)
    while Self.greatestCommonDivisor(multiplier, users) != 1 { multiplier -= 1 }
    self.multiplier = multiplier
    increment = Int.random(in: 0..<users, using: &generator)
  }

  var totalSubscriptions: Int { channelSizes.reduce(0, +) }

  func channelID(_ index: Int) -> String { channelPrefix + String(index) }

  /// The user names (`u<number>`, as `RecipientSet` reads them) subscribed to channel `index`.
  func subscribers(ofChannel index: Int) -> some Sequence<String> {
    let start = firstSubscription[index]
    return (start..<start + channelSizes[index]).lazy.map(userID(ofSubscription:))
  }

  /// The user name of channel `index`'s subscriber number `member` (below its size).
  func subscriber(ofChannel index: Int, member: Int) -> String {
    userID(ofSubscription: firstSubscription[index] + member)
  }

  private func userID(ofSubscription subscription: Int) -> String {
    RecipientSet.userID((subscription % users * multiplier + increment) % users)
  }

  /// Creates every channel, sized for its subscribers.
  func createChannels(in population: Population, deadline: Deadline) throws {
    for (index, size) in channelSizes.enumerated() {
      try deadline.check()
      try population.createChannel(channelID(index), maxSubscriberCount: size)
    }
  }

  /// Subscribes every channel's users with batch requests, telling stderr how far it got every
  /// few seconds: loading ten million subscriptions takes a minute.
  func subscribeAll(in population: Population, label: String, deadline: Deadline) throws {
    let total = totalSubscriptions
    let start = MonotonicClock.nanoseconds()
    var lastProgress = start
    var loaded = 0
    for (index, size) in channelSizes.enumerated() {
      try deadline.check()
      try population.subscribe(subscribers(ofChannel: index), to: channelID(index))
      loaded += size
      if MonotonicClock.nanoseconds() - lastProgress > 5_000_000_000 || loaded == total {
        lastProgress = MonotonicClock.nanoseconds()
        let seconds = String(format: "%.1f", MonotonicClock.seconds(since: start))
        FileHandle.standardError.write(
          Data(
            ("\(label): \(loaded) of \(total) subscriptions (\(index + 1) of "
              + "\(channelSizes.count) channels) in \(seconds) s\n").utf8))
      }
    }
  }

  private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    b == 0 ? a : greatestCommonDivisor(b, a % b)
  }
}
