import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

@Suite struct SubscriptionIndexTests {
  private func user(_ index: inout SubscriptionIndex, _ name: String) -> UInt32 {
    index.directory.intern(ByteString(name))
  }

  @Test func internsEachUserIDOnceAndKeepsItsTopic() {
    let directory = UserDirectory()
    let alice = directory.intern(ByteString("alice"))
    #expect(directory.intern(ByteString("alice")) == alice)
    #expect(directory.lookup(ByteString("bob")) == nil)
    #expect(Array(directory.topic(of: alice)) == Array("alice\0".utf8))
    #expect(directory.userID(of: alice) == ByteString("alice"))
  }

  @Test func directoryKeepsTopicsStableAcrossGrowth() {
    let directory = UserDirectory()
    let first = directory.intern(ByteString("user-0"))
    let address = directory.topic(of: first).baseAddress
    for number in 1..<200_000 { _ = directory.intern(ByteString("user-\(number)")) }
    #expect(directory.topic(of: first).baseAddress == address)
    #expect(directory.lookup(ByteString("user-123456")) != nil)
    #expect(directory.count == 200_000)
  }

  @Test func subscribeIsIdempotentAndKeepsTheFirstTime() {
    var index = SubscriptionIndex(shardCount: 3)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let alice = user(&index, "alice")
    #expect(
      index.subscribe(user: alice, channel: channel, subscribeTime: 10, maxSubscriberCount: 5)
        == .subscribed)
    #expect(
      index.subscribe(user: alice, channel: channel, subscribeTime: 20, maxSubscriberCount: 5)
        == .alreadySubscribed(subscribeTime: 10))
    #expect(index.members(of: channel).count == 1)
    #expect(index.subscriptionCount == 1)
  }

  @Test func refusesSubscribersBeyondTheMaximumButNotARepeat() {
    var index = SubscriptionIndex(shardCount: 2)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let alice = user(&index, "alice")
    _ = index.subscribe(user: alice, channel: channel, subscribeTime: 1, maxSubscriberCount: 1)
    #expect(
      index.subscribe(
        user: user(&index, "bob"), channel: channel, subscribeTime: 1, maxSubscriberCount: 1)
        == .full)
    #expect(
      index.subscribe(user: alice, channel: channel, subscribeTime: 2, maxSubscriberCount: 1)
        == .alreadySubscribed(subscribeTime: 1))
  }

  /// Random subscribes, unsubscribes and flag changes against a plain dictionary model.
  @Test func staysConsistentWithAModelUnderRandomOperations() {
    var index = SubscriptionIndex(shardCount: 4)
    let channels: [UInt32] = Array(0..<5)
    for channel in channels { index.addChannel(channel) }
    let users = (0..<60).map { user(&index, "u\($0)") }
    var model: [UInt32: [UInt32: MessageFlag]] = [:]
    var random = SplitMix64(seed: 42)
    for _ in 0..<5000 {
      let channel = channels[Int(random.next() % 5)]
      let member = users[Int(random.next() % 60)]
      switch random.next() % 3 {
      case 0:
        let outcome = index.subscribe(
          user: member, channel: channel, subscribeTime: 1, maxSubscriberCount: 1000)
        if model[channel, default: [:]][member] == nil {
          #expect(outcome == .subscribed)
          model[channel, default: [:]][member] = .acceptAndNotify
        }
      case 1:
        #expect(
          index.unsubscribe(user: member, channel: channel)
            == (model[channel, default: [:]].removeValue(forKey: member) != nil))
      default:
        let flag = MessageFlag(rawValue: UInt8(random.next() % 3))!
        let changed = index.setOptions(user: member, channel: channel, flag: flag, customData: nil)
        #expect((changed != nil) == (model[channel, default: [:]][member] != nil))
        if changed != nil { model[channel]![member] = flag }
      }
    }
    for channel in channels {
      let members = index.members(of: channel)
      var seen: [UInt32: MessageFlag] = [:]
      for (shard, entries) in members.shards.enumerated() {
        for entry in entries {
          #expect(index.shard(of: entry.user) == shard)
          seen[entry.user] = entry.flag
        }
      }
      #expect(seen == model[channel, default: [:]])
      // What reads show, from the user's side, agrees with what fan-out reads.
      for (member, flag) in seen {
        #expect(index.subscription(user: member, channel: channel)?.flag == flag)
        #expect(index.subscriptionDetails(of: member).first { $0.channel == channel }?.flag == flag)
      }
      #expect(members.count == seen.count)
      #expect(members.discardCount == seen.values.filter { $0 == .discard }.count)
      #expect(
        index.subscriberPage(of: channel, after: nil, limit: 1000).users
          == seen.keys.sorted { index.directory.precedes($0, $1) })
    }
  }

  @Test func pagesSubscribersInByteOrderExactlyOnce() {
    var index = SubscriptionIndex(shardCount: 3)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let names = (0..<250).map { "user-\($0)" }.shuffled()
    for name in names {
      _ = index.subscribe(
        user: user(&index, name), channel: channel, subscribeTime: 1, maxSubscriberCount: 1000)
    }
    var collected: [String] = []
    var cursor: [UInt8]?
    repeat {
      let page = index.subscriberPage(of: channel, after: cursor, limit: 40)
      collected += page.users.map { index.directory.userID(of: $0).description }
      cursor = page.hasMore ? index.directory.userID(of: page.users.last!).bytes : nil
    } while cursor != nil
    #expect(collected == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
  }

  @Test func removingAChannelRemovesItFromEveryUser() {
    var index = SubscriptionIndex(shardCount: 2)
    let (news, sport): (UInt32, UInt32) = (0, 1)
    index.addChannel(news)
    index.addChannel(sport)
    let alice = user(&index, "alice")
    _ = index.subscribe(user: alice, channel: news, subscribeTime: 1, maxSubscriberCount: 9)
    _ = index.subscribe(user: alice, channel: sport, subscribeTime: 2, maxSubscriberCount: 9)
    let removed = index.removeChannel(news)
    #expect(removed.count == 1)
    #expect(index.subscriptions(of: alice).map(\.channel) == [sport])
    #expect(index.subscriptionCount == 1)
    index.addChannel(news)  // its number, free again, taken by a new channel
    #expect(index.members(of: news).count == 0)
    #expect(index.subscriberPage(of: news, after: nil, limit: 10).users.isEmpty)
  }

  @Test func aMembersSnapshotIsUnaffectedByLaterChanges() {
    var index = SubscriptionIndex(shardCount: 1)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let alice = user(&index, "alice")
    _ = index.subscribe(user: alice, channel: channel, subscribeTime: 1, maxSubscriberCount: 9)
    let snapshot = index.members(of: channel)
    _ = index.unsubscribe(user: alice, channel: channel)
    #expect(snapshot.count == 1)
    #expect(snapshot.shards[0].map(\.user) == [alice])
  }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
