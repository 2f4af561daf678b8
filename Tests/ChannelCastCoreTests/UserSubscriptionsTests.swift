import Testing

@testable import ChannelCastCore

/// `UserSubscriptions` behaves as the array it replaces (the last element fills a removed one's
/// place) whether it holds none, one inline or several, and one costs no more than 16 bytes.
@Suite struct UserSubscriptionsTests {
  private typealias Subscription = SubscriptionIndex.UserSubscription

  private func subscription(_ channel: UInt32) -> Subscription {
    Subscription(channel: channel, slot: channel * 3, flag: .acceptAndNotify, subscribeTime: 7)
  }

  @Test func matchesAnArrayThroughGrowingAndShrinking() {
    var subscriptions = UserSubscriptions()
    var model: [Subscription] = []
    var randomness = SplitMix64(seed: 5)
    func expectSame() {
      #expect(subscriptions.map(\.channel) == model.map(\.channel))
      #expect(subscriptions.map(\.slot) == model.map(\.slot))
      #expect(subscriptions.count == model.count)
    }
    for step in 0..<2000 {
      // Mostly between none and three, the sizes where the storage changes form.
      if model.count < 3 && randomness.next() % 2 == 0 || model.isEmpty {
        subscriptions.append(subscription(UInt32(step)))
        model.append(subscription(UInt32(step)))
      } else {
        let position = Int(randomness.next() % UInt64(model.count))
        subscriptions.remove(at: position)
        model.swapAt(position, model.count - 1)
        model.removeLast()
      }
      expectSame()
      let channel = UInt32(randomness.next() % UInt64(step + 1))
      #expect(subscriptions.index(ofChannel: channel) == model.firstIndex { $0.channel == channel })
      #expect(
        subscriptions.subscription(toChannel: channel)?.slot
          == model.first { $0.channel == channel }?.slot)
      if !model.isEmpty {
        let position = Int(randomness.next() % UInt64(model.count))
        subscriptions[position].slot = UInt32(step)
        subscriptions[position].flag = .discard
        model[position].slot = UInt32(step)
        model[position].flag = .discard
        expectSame()
        #expect(subscriptions[position].flag == .discard)
      }
    }
  }

  @Test func aCopyIsUnaffectedByChangesToTheOriginal() {
    var subscriptions = UserSubscriptions()
    for channel in 0..<3 { subscriptions.append(subscription(UInt32(channel))) }
    let copy = subscriptions
    subscriptions[1].slot = 99
    subscriptions.remove(at: 0)
    #expect(copy.map(\.slot) == [0, 3, 6])
    #expect(subscriptions.map(\.slot) == [6, 99])
  }

  @Test func oneSubscriptionFitsIn16Bytes() {
    #expect(MemoryLayout<UserSubscriptions>.stride == 16)
  }

  @Test func theSlotAndTheFlagOfASubscriptionChangeIndependently() {
    var entry = Subscription(
      channel: 4, slot: (1 << 30) - 1, flag: .discard, subscribeTime: .max)
    #expect(entry.slot == (1 << 30) - 1 && entry.flag == .discard)
    entry.slot = 5
    #expect(entry.slot == 5 && entry.flag == .discard)
    entry.flag = .acceptNotNotify
    #expect(entry.slot == 5 && entry.flag == .acceptNotNotify)
    #expect(entry.channel == 4 && entry.subscribeTime == .max)
  }
}
