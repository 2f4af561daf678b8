/// Who subscribes to what, in both directions, compactly.
///
/// Channel → subscribers is a `ChannelMembers` per channel (one packed word per subscriber, split
/// by shard) so a broadcast takes its recipient set in O(shards). User → channels is a small
/// collection per user (`UserSubscriptions`) whose entries also remember where the user sits in
/// the channel's member list (and a copy of its flag), so an unsubscribe is O(subscriptions of
/// the user), never O(subscribers of the channel). Each channel also keeps its subscribers in
/// user ID order (`SubscriberOrder`), kept up to date by every subscribe and unsubscribe in
/// O(log n), so that a page of them costs O(log n + limit). That order is never stored: loading
/// a snapshot subscribes without it (`keepingOrder: false`) and then sorts each channel once
/// (`rebuildSubscriberOrders`).
///
/// Ownership: not thread-safe; one owner (the command thread) reads and writes it. Fan-out only
/// sees `ChannelMembers` values and the `UserDirectory`, which are safe to share.
public struct SubscriptionIndex {
  /// What a subscribe did.
  public enum SubscribeOutcome: Equatable, Sendable {
    case subscribed
    /// Already subscribed since the given time; nothing changed.
    case alreadySubscribed(subscribeTime: UInt32)
    /// The channel holds its maximum number of subscribers.
    case full
    /// The user subscribes to its maximum number of channels.
    case userAtLimit
  }

  /// One of a user's subscriptions, in 12 bytes.
  struct UserSubscription {
    var channel: UInt32
    /// The slot in the upper 30 bits, the flag in the lower 2.
    private var slotAndFlag: UInt32
    var subscribeTime: UInt32

    init(channel: UInt32, slot: UInt32, flag: MessageFlag, subscribeTime: UInt32) {
      self.channel = channel
      slotAndFlag = slot << 2 | UInt32(flag.rawValue)
      self.subscribeTime = subscribeTime
    }

    /// The position of the user in `members[channel].shards[shard of user]`.
    var slot: UInt32 {
      get { slotAndFlag >> 2 }
      set { slotAndFlag = newValue << 2 | slotAndFlag & 3 }
    }

    /// A copy of the flag of the user's `MemberEntry`, so that reading a subscription (once
    /// per subscriber of a `getSubscribers` page) does not also read the channel's member list,
    /// a cache miss per subscriber in a big channel.
    var flag: MessageFlag {
      get { MessageFlag(rawValue: UInt8(slotAndFlag & 3))! }
      set { slotAndFlag = slotAndFlag & ~3 | UInt32(newValue.rawValue) }
    }
  }

  /// A subscription as the protocol shows it.
  public struct Subscription: Equatable, Sendable {
    public var subscribeTime: UInt32
    public var flag: MessageFlag
    public var customData: String
  }

  public let directory: UserDirectory
  public let shardCount: Int
  // Chunked, so that a snapshot shares them and the next change copies a chunk (see
  // `ChunkedArray`).
  private var members = ChunkedArray<ChannelMembers?>()
  /// Each channel's subscribers in user ID order, by channel number (empty for a free number).
  private var subscriberOrders = ChunkedArray<SubscriberOrder>()
  private var subscriptionsByUser = ChunkedArray<UserSubscriptions>()
  /// Each user's shard, by user number.
  private var shardByUser = ChunkedArray<UInt16>()
  /// Subscription custom data, rare enough to live outside the packed arrays.
  private var customData: [UInt64: String] = [:]

  /// The number of subscriptions across all channels.
  public private(set) var subscriptionCount = 0

  public init(shardCount: Int, directory: UserDirectory = UserDirectory()) {
    precondition(shardCount > 0 && shardCount <= Int(UInt16.max))
    self.shardCount = shardCount
    self.directory = directory
  }

  // MARK: Channels

  /// Makes room for a new channel under `channel`, a number `ChannelTable` handed out: the next
  /// one, or one a removed channel freed.
  public mutating func addChannel(_ channel: UInt32) {
    if Int(channel) < members.count {
      precondition(members[Int(channel)] == nil, "channel number \(channel) is in use")
      members[Int(channel)] = ChannelMembers(shardCount: shardCount)
      return
    }
    precondition(Int(channel) == members.count, "channel number \(channel) skips numbers")
    members.append(ChannelMembers(shardCount: shardCount))
    subscriberOrders.append(SubscriberOrder())
  }

  /// Removes a channel and every subscription to it; returns its last subscriber set.
  public mutating func removeChannel(_ channel: UInt32) -> ChannelMembers {
    let removed = members[Int(channel)]!
    for shard in removed.shards {
      for entry in shard {
        let user = Int(entry.user)
        if let position = subscriptionsByUser[user].index(ofChannel: channel) {
          subscriptionsByUser[user].remove(at: position)
        }
        customData[Self.key(entry.user, channel)] = nil
      }
    }
    subscriptionCount -= removed.count
    members[Int(channel)] = nil
    subscriberOrders[Int(channel)] = SubscriberOrder()
    return removed
  }

  /// The number of the channel's subscribers.
  public func subscriberCount(of channel: UInt32) -> Int {
    members[Int(channel)]!.count
  }

  /// The channel's subscribers: a cheap snapshot that later changes do not affect.
  public func members(of channel: UInt32) -> ChannelMembers {
    members[Int(channel)]!
  }

  // MARK: Subscriptions

  /// The shard that delivers to a user: a stable hash of its ID, computed once per user.
  public mutating func shard(of user: UInt32) -> Int {
    while shardByUser.count <= Int(user) {
      let topic = directory.topic(of: UInt32(shardByUser.count))
      shardByUser.append(
        UInt16(
          StableHash.shard(
            ofUserID: UnsafeBufferPointer(rebasing: topic.bindMemory(to: UInt8.self).dropLast()),
            shards: shardCount)))
    }
    return Int(shardByUser[Int(user)])
  }

  /// Subscribes a user. With `keepingOrder` false, the channel's `SubscriberOrder` is left
  /// behind until `rebuildSubscriberOrders()`, which must come before the next page or change.
  public mutating func subscribe(
    user: UInt32, channel: UInt32, subscribeTime: UInt32, maxSubscriberCount: Int,
    maxSubscriptionsPerUser: Int = .max, keepingOrder: Bool = true
  ) -> SubscribeOutcome {
    ensureUser(user)
    if let existing = subscriptionsByUser[Int(user)].subscription(toChannel: channel) {
      return .alreadySubscribed(subscribeTime: existing.subscribeTime)
    }
    guard members[Int(channel)]!.count < maxSubscriberCount else { return .full }
    guard subscriptionsByUser[Int(user)].count < maxSubscriptionsPerUser else {
      return .userAtLimit
    }
    let shard = shard(of: user)
    let slot = UInt32(members[Int(channel)]!.shards[shard].count)
    members[Int(channel)]!.shards[shard].append(MemberEntry(user: user, flag: .acceptAndNotify))
    members[Int(channel)]!.count += 1
    if keepingOrder { subscriberOrders[Int(channel)].insert(user, by: directory) }
    subscriptionsByUser[Int(user)].append(
      UserSubscription(
        channel: channel, slot: slot, flag: .acceptAndNotify, subscribeTime: subscribeTime))
    subscriptionCount += 1
    return .subscribed
  }

  /// Removes a subscription; false if there was none.
  public mutating func unsubscribe(user: UInt32, channel: UInt32) -> Bool {
    guard Int(user) < subscriptionsByUser.count,
      let position = subscriptionsByUser[Int(user)].index(ofChannel: channel)
    else { return false }
    let slot = Int(subscriptionsByUser[Int(user)][position].slot)
    let shard = shard(of: user)
    let removed = members[Int(channel)]!.shards[shard][slot]
    let last = members[Int(channel)]!.shards[shard].removeLast()
    if slot < members[Int(channel)]!.shards[shard].count {
      // The last member fills the hole; tell its user where it now sits.
      members[Int(channel)]!.shards[shard][slot] = last
      let moved = Int(last.user)
      let movedPosition = subscriptionsByUser[moved].index(ofChannel: channel)!
      subscriptionsByUser[moved][movedPosition].slot = UInt32(slot)
    }
    members[Int(channel)]!.count -= 1
    subscriberOrders[Int(channel)].remove(user, by: directory)
    if removed.flag == .discard { members[Int(channel)]!.discardCount -= 1 }
    subscriptionsByUser[Int(user)].remove(at: position)
    customData[Self.key(user, channel)] = nil
    subscriptionCount -= 1
    return true
  }

  public func subscription(user: UInt32, channel: UInt32) -> Subscription? {
    guard Int(user) < subscriptionsByUser.count,
      let entry = subscriptionsByUser[Int(user)].subscription(toChannel: channel)
    else { return nil }
    return Subscription(
      subscribeTime: entry.subscribeTime, flag: entry.flag,
      // Most subscriptions have none: no hashing for them while the table is empty.
      customData: customData.isEmpty ? "" : customData[Self.key(user, channel)] ?? "")
  }

  /// Changes a subscription's options; nil if the user does not subscribe.
  public mutating func setOptions(
    user: UInt32, channel: UInt32, flag: MessageFlag?, customData newCustomData: String?
  ) -> Subscription? {
    guard Int(user) < subscriptionsByUser.count,
      let position = subscriptionsByUser[Int(user)].index(ofChannel: channel)
    else { return nil }
    let entry = subscriptionsByUser[Int(user)][position]
    if let flag, flag != entry.flag {
      members[Int(channel)]!.shards[shard(of: user)][Int(entry.slot)] = MemberEntry(
        user: user, flag: flag)
      subscriptionsByUser[Int(user)][position].flag = flag
      if entry.flag == .discard { members[Int(channel)]!.discardCount -= 1 }
      if flag == .discard { members[Int(channel)]!.discardCount += 1 }
    }
    if let newCustomData {
      customData[Self.key(user, channel)] = newCustomData.isEmpty ? nil : newCustomData
    }
    return subscription(user: user, channel: channel)
  }

  /// The number of channels a user subscribes to.
  public func subscriptionCount(of user: UInt32) -> Int {
    Int(user) < subscriptionsByUser.count ? subscriptionsByUser[Int(user)].count : 0
  }

  /// The channels a user subscribes to, with the time of each subscription, in no order.
  public func subscriptions(of user: UInt32) -> [(channel: UInt32, subscribeTime: UInt32)] {
    guard Int(user) < subscriptionsByUser.count else { return [] }
    return subscriptionsByUser[Int(user)].map { ($0.channel, $0.subscribeTime) }
  }

  /// A user's subscriptions with their flags, in no order: what a snapshot keeps of them.
  public func subscriptionDetails(of user: UInt32)
    -> [(channel: UInt32, subscribeTime: UInt32, flag: MessageFlag)]
  {
    guard Int(user) < subscriptionsByUser.count else { return [] }
    return subscriptionsByUser[Int(user)].map { ($0.channel, $0.subscribeTime, $0.flag) }
  }

  /// Every subscription's custom data that is not empty, in no order.
  public var customDataEntries: [(user: UInt32, channel: UInt32, customData: String)] {
    customData.map { key, value in (UInt32(truncatingIfNeeded: key), UInt32(key >> 32), value) }
  }

  /// A page of a channel's subscribers ordered by user ID bytes: the first `limit` whose ID sorts
  /// after `cursor`, and whether more follow. O(log n + limit), from the channel's
  /// `SubscriberOrder`.
  public func subscriberPage(of channel: UInt32, after cursor: [UInt8]?, limit: Int)
    -> (users: [UInt32], hasMore: Bool)
  {
    assert(subscriberOrders[Int(channel)].count == members[Int(channel)]!.count)
    return subscriberOrders[Int(channel)].users(after: cursor, limit: limit, by: directory)
  }

  /// Builds every channel's `SubscriberOrder` from its members, after subscribes that did not
  /// keep it: one sort per channel.
  public mutating func rebuildSubscriberOrders() {
    for channel in 0..<members.count {
      guard let channelMembers = members[channel] else { continue }
      subscriberOrders[channel] = SubscriberOrder(
        ordering: channelMembers.shards.lazy.joined().map(\.user), by: directory)
    }
  }

  private mutating func ensureUser(_ user: UInt32) {
    while subscriptionsByUser.count <= Int(user) {
      subscriptionsByUser.append(UserSubscriptions())
    }
  }

  private static func key(_ user: UInt32, _ channel: UInt32) -> UInt64 {
    UInt64(channel) << 32 | UInt64(user)
  }
}
