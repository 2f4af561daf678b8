import ChannelCastProtocol

/// The daemon's state: its channels, who subscribes to what, and the sent messages whose
/// fan-out has not finished.
///
/// Journal records are the only thing that changes it: `apply(_:)` redoes one, reading nothing
/// but the record and the state (no clock, no random source, no configuration: the retention it
/// keeps is part of the state). That makes it the state machine every mode shares. The live
/// service decides a request's records against it, journals them and applies them here;
/// recovery applies a snapshot's journal here; a cluster node will apply a replicated log.
///
/// Each `apply…` method also answers what the reply and the deliveries need (the channel's
/// number, the user's, the encoded stream entry), so that the service does not look them up
/// again. A record that does not fit the state (a channel that does not exist, a gap in a seq)
/// throws: recovery stops there, and in the live service it would be a bug in `decide`.
///
/// Ownership: not thread-safe. One thread at a time: the recovering thread, then the command
/// thread. Snapshots are taken as values (`takeSnapshot`) and written elsewhere.
public final class ChannelCastState {
  // Changed only by the `apply…` methods, the `restore…` methods of the snapshot loader and
  // the expiry methods below; they live in extensions in other files, hence not `private(set)`.
  var channels = ChannelTable()
  var index: SubscriptionIndex
  /// Sent messages whose fan-out has not been journaled as finished, oldest first: what
  /// recovery fans out again.
  var unfinishedMessages: [JournalRecord.SentMessage] = []
  public private(set) var retention: HistoryRetention

  /// The sent messages whose fan-out is not journaled as finished.
  public var unfinishedMessageCount: Int { unfinishedMessages.count }

  public init(shardCount: Int, directory: UserDirectory, retention: HistoryRetention) {
    index = SubscriptionIndex(shardCount: shardCount, directory: directory)
    self.retention = retention
  }

  /// The users the state knows, numbered; shared with the fan-out.
  public var directory: UserDirectory { index.directory }

  /// How much the state holds, for logs.
  public var counts: (officialAccounts: Int, users: Int, subscriptions: Int) {
    (channels.count, index.directory.count, index.subscriptionCount)
  }

  /// Changes the history retention of every channel now (evicting at `nowMs` what the new one
  /// does not keep) and of channels created later. An operator's change, not a record's.
  public func setRetention(_ newRetention: HistoryRetention, nowMs: Int64) {
    let historyChanged =
      newRetention.maxEntries != retention.maxEntries
      || newRetention.maxBytes != retention.maxBytes || newRetention.maxAgeMs != retention.maxAgeMs
    retention = newRetention
    guard historyChanged else { return }
    for number in channels.allNumbers {
      channels[number].history.setRetention(
        maxEntries: retention.maxEntries, maxBytes: retention.maxBytes,
        maxAgeMs: retention.maxAgeMs, nowMs: nowMs)
    }
  }

  /// Evicts a channel's history entries older than the retention's age at `nowMs`: done before
  /// a history is read, since nothing else happens to an idle channel.
  func evictExpiredHistory(of number: UInt32, nowMs: Int64) {
    channels[number].history.evictExpired(nowMs: nowMs)
  }

  /// The message a channel sent with this `clientMsgID` within `retentionMs` of `nowMs`, if
  /// any (forgetting older ones).
  func earlierMessage(
    clientMsgID: String, in number: UInt32, nowMs: Int64, retentionMs: Int64
  ) -> SentMessageLog.Entry? {
    channels[number].sentMessages.entry(for: clientMsgID, nowMs: nowMs, retentionMs: retentionMs)
  }

  /// The msgKey of a message the channel sent with the same payload within `windowMs` of
  /// `nowMs`, if any (forgetting older ones).
  func earlierMessage(
    payload: SentMessageLog.PayloadFingerprint, count: Int, in number: UInt32, nowMs: Int64,
    windowMs: Int64
  ) -> String? {
    channels[number].recentPayloads.earlier(payload, count: count, nowMs: nowMs, windowMs: windowMs)
  }

  /// The shard that delivers to a user (computed once per user, then remembered).
  func shard(of user: UInt32) -> Int {
    index.shard(of: user)
  }

  /// The seq the channel's next stream entry gets.
  func nextSeq(_ number: UInt32) -> UInt64 {
    channels.lastSeq(of: number) + 1
  }

  /// A channel's info as the protocol shows it, optionally in one subscriber's view.
  func view(of number: UInt32, subscribeTime: UInt32? = nil) -> JSONObjectWriter {
    channels.view(
      of: number, subscriberCount: index.subscriberCount(of: number), subscribeTime: subscribeTime)
  }

  /// The state as it is now, to write out on another thread (see `ServiceSnapshot`).
  public func takeSnapshot(takenAtMs: Int64) -> ServiceSnapshot {
    ServiceSnapshot(
      channels: channels.states, vacantNumbers: Set(channels.freeNumbers), index: index,
      userCount: index.directory.count,
      retiredLastSeq: channels.retiredLastSeqs, inFlightMessages: unfinishedMessages,
      takenAtMs: takenAtMs)
  }
}
