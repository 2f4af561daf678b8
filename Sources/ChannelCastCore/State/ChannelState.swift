import ChannelCastProtocol

/// Everything the service keeps for one channel besides its subscribers.
struct ChannelState {
  var account: OfficialAccount {
    didSet {
      if account.officialAccountName != oldValue.officialAccountName
        || account.faceUrl != oldValue.faceUrl || account.organization != oldValue.organization
        || account.introduction != oldValue.introduction
        || account.customData != oldValue.customData
      {
        staticInfo = .officialAccountStaticInfo(account)
      }
    }
  }
  /// The unchanging part of the channel's info, encoded once.
  private(set) var staticInfo: JSONObjectWriter
  var history: ChannelHistory
  var sentMessages = SentMessageLog()
  /// Payloads sent within the duplicate window (empty when the window is off).
  var recentPayloads = RecentPayloads()
  /// The `officialAccountUnsubscribed` envelope, the same for every user who leaves the
  /// channel: encoded once and shared by all those events.
  let unsubscribedEnvelope: SharedBytes

  /// What `ChannelTable` keeps under a free number: no channel, and as little as possible.
  static var vacant: ChannelState {
    ChannelState(
      account: OfficialAccount(
        officialAccountID: ByteString([]), officialAccountName: "", ownerUserID: ByteString([]),
        createTime: 0, maxSubscriberCount: 0, lastSeq: 0),
      history: ChannelHistory(maxEntries: 0, maxBytes: 0))
  }

  init(account: OfficialAccount, history: ChannelHistory) {
    self.account = account
    self.staticInfo = .officialAccountStaticInfo(account)
    self.history = history
    unsubscribedEnvelope = SharedBytes(
      Envelope.officialAccountUnsubscribed(officialAccountID: account.officialAccountID))
  }
}
