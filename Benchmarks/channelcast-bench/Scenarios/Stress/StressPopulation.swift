import ChannelCastProtocol
import Foundation

/// What every stream of the stress load knows about the daemon's contents: the stable channels
/// and their planned subscribers, the channels that are created and deleted over and over, and
/// the channel bad requests aim at.
///
/// Everything the load touches is drawn from fixed sets (the planned users, a pool of churned
/// channel IDs), so the state the daemon must keep stays the same size all through the run:
/// memory that grows anyway is the daemon's doing.
struct StressPopulation: Sendable {
  let plan: SubscriptionPlan
  let churnedChannelIDs: [String]
  /// A channel without subscribers that bad requests name, so that their faults are found
  /// after the channel lookup and a request that wrongly succeeds reaches nobody.
  let badRequestChannelID: String
  /// The owner of the stable channels (`Population.createChannel`).
  let owner = "bench-owner"

  init(plan: SubscriptionPlan, churnedChannels: Int) {
    self.plan = plan
    churnedChannelIDs = (0..<churnedChannels).map { plan.channelPrefix + "churn-\($0)" }
    badRequestChannelID = plan.channelPrefix + "bad-requests"
  }

  var channelCount: Int { plan.channelSizes.count }

  /// A stable channel picked uniformly.
  func randomChannel(using generator: inout SeededGenerator) -> Int {
    Int.random(in: 0..<channelCount, using: &generator)
  }

  /// A planned subscription picked uniformly among the channels, then among their members:
  /// (channel, member).
  func randomSubscription(using generator: inout SeededGenerator) -> (channel: Int, member: Int) {
    let channel = randomChannel(using: &generator)
    return (channel, Int.random(in: 0..<plan.channelSizes[channel], using: &generator))
  }

  /// A user of the population picked uniformly.
  func randomUser(using generator: inout SeededGenerator) -> String {
    RecipientSet.userID(Int.random(in: 0..<plan.users, using: &generator))
  }

  /// Creates the stable channels and subscribes their users, creates the bad requests'
  /// channel, and sends `historySize` messages to each stable channel, so that every history is
  /// at its steady size before memory is first sampled.
  func setUp(in population: Population, historySize: Int, deadline: Deadline) throws {
    try plan.createChannels(in: population, deadline: deadline)
    try plan.subscribeAll(in: population, label: "stress setup", deadline: deadline)
    try population.createChannel(badRequestChannelID, maxSubscriberCount: 1)
    var generator = SeededGenerator(seed: 3)
    let messages = (0..<channelCount * historySize).lazy.map { number in
      population.client.request(.sendMessage) {
        $0.add("officialAccountID", plan.channelID(number % channelCount))
        $0.add("payload", rawJSON: StressPayload.make(number: number, using: &generator))
      }
    }
    try population.pipeline(messages, what: "filling the histories")
    try deadline.check()
  }
}

/// The payloads of the stress scenario's messages: a small JSON object of varied size.
enum StressPayload {
  static func make(number: Int, using generator: inout SeededGenerator) -> [UInt8] {
    let padding = String(repeating: "x", count: Int.random(in: 0...200, using: &generator))
    return Array(#"{"stress":\#(number),"pad":"\#(padding)"}"#.utf8)
  }
}
