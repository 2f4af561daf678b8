import ChannelCastProtocol

/// The gateways of the stress load: users of the stable channels unsubscribe and subscribe
/// again, change their options and write to the channel's owner.
///
/// Only this stream changes the stable channels' subscriptions, so it knows which planned
/// subscriptions are off at any moment and predicts each reply: `not_found` for an unsubscribe
/// or options change of a user who is not subscribed, `permission_denied` for their
/// `sendMessageToOfficialAccount`. It only ever takes back or restores planned subscriptions,
/// so no channel grows past its planned size (its `maxSubscriberCount`).
struct StressSubscriptionChurn: StressTraffic {
  private struct Subscription: Hashable {
    let channel: Int
    let member: Int
  }

  private let population: StressPopulation
  private var generator: SeededGenerator
  /// Planned subscriptions currently off, and where each sits in `unsubscribed`.
  private var unsubscribed: [Subscription] = []
  private var positions: [Subscription: Int] = [:]
  private let mostUnsubscribed: Int
  /// The subscriptions whose options change: a fixed set, so that the custom data the daemon
  /// keeps for them stops growing early in the run.
  private let withOptions: [Subscription]

  init(population: StressPopulation, seed: UInt64, mostUnsubscribed: Int = 2000) {
    self.population = population
    self.mostUnsubscribed = mostUnsubscribed
    var generator = SeededGenerator(seed: seed)
    withOptions = (0..<2000).map { _ in
      let (channel, member) = population.randomSubscription(using: &generator)
      return Subscription(channel: channel, member: member)
    }
    self.generator = generator
  }

  mutating func nextRequest(number: Int) -> StressRequest {
    let roll = Int.random(in: 0..<100, using: &generator)
    if roll < 50 {
      let unsubscribing =
        unsubscribed.isEmpty
        || (unsubscribed.count < mostUnsubscribed && Bool.random(using: &generator))
      if unsubscribing { return unsubscribe(randomSubscription(), number: number) }
      let subscription =
        Int.random(in: 0..<5, using: &generator) == 0
        ? randomSubscription() : unsubscribed.randomElement(using: &generator)!
      return subscribe(subscription, number: number)
    }
    if roll < 80 {
      return setOptions(withOptions.randomElement(using: &generator)!, number: number)
    }
    let subscription =
      Bool.random(using: &generator)
      ? withOptions.randomElement(using: &generator)! : randomSubscription()
    return writeToOwner(subscription, number: number)
  }

  private mutating func randomSubscription() -> Subscription {
    let (channel, member) = population.randomSubscription(using: &generator)
    return Subscription(channel: channel, member: member)
  }

  private func isSubscribed(_ subscription: Subscription) -> Bool {
    positions[subscription] == nil
  }

  private func fields(_ subscription: Subscription) -> (inout JSONObjectWriter) -> Void {
    let channel = population.plan.channelID(subscription.channel)
    let user = population.plan.subscriber(
      ofChannel: subscription.channel, member: subscription.member)
    return {
      $0.add("officialAccountID", channel)
      $0.add("userID", user)
    }
  }

  private mutating func unsubscribe(_ subscription: Subscription, number: Int) -> StressRequest {
    let code = isSubscribed(subscription) ? "ok" : "not_found"
    if code == "ok" {
      positions[subscription] = unsubscribed.count
      unsubscribed.append(subscription)
    }
    return .good(
      "unsubscribeOfficialAccount", op: "unsubscribeOfficialAccount", id: number,
      expecting: [code], fields(subscription))
  }

  /// Subscribes a planned subscriber, again or anew: `ok` either way.
  private mutating func subscribe(_ subscription: Subscription, number: Int) -> StressRequest {
    if let position = positions.removeValue(forKey: subscription) {
      let last = unsubscribed.removeLast()
      if position < unsubscribed.count {
        unsubscribed[position] = last
        positions[last] = position
      }
    }
    return .good(
      "subscribeOfficialAccount", op: "subscribeOfficialAccount", id: number,
      fields(subscription))
  }

  private mutating func setOptions(_ subscription: Subscription, number: Int) -> StressRequest {
    let flag = ["acceptAndNotify", "acceptNotNotify", "discard", nil].randomElement(
      using: &generator)!
    let customData = ["", "gateway \(number % 97)", nil].randomElement(using: &generator)!
    let fill = fields(subscription)
    return .good(
      "setSubscriptionOptions", op: "setSubscriptionOptions", id: number,
      expecting: [isSubscribed(subscription) ? "ok" : "not_found"]
    ) {
      fill(&$0)
      if let flag { $0.add("msgFlag", flag) }
      if let customData { $0.add("customData", customData) }
    }
  }

  private func writeToOwner(_ subscription: Subscription, number: Int) -> StressRequest {
    let fill = fields(subscription)
    var request = StressRequest.good(
      "sendMessageToOfficialAccount", op: "sendMessageToOfficialAccount", id: number,
      expecting: [isSubscribed(subscription) ? "ok" : "permission_denied"]
    ) {
      fill(&$0)
      $0.add("payload", rawJSON: Array(#"{"question":\#(number)}"#.utf8))
    }
    request.announcement = .subscriberMessage
    return request
  }
}
