/// Everything the service keeps for one channel besides its subscribers.
struct ChannelState {
  var account: OfficialAccount
  var history: ChannelHistory
  var sentMessages = SentMessageLog()
}
