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

  init(account: OfficialAccount, history: ChannelHistory) {
    self.account = account
    self.staticInfo = .officialAccountStaticInfo(account)
    self.history = history
  }
}
