import ChannelCastProtocol

extension JournalRecord {
  /// The channel the record is about: every record is about one, which is what puts it in one
  /// channel partition in cluster mode.
  public var officialAccountID: ByteString {
    switch self {
    case .channelCreated(let account): account.officialAccountID
    case .channelChanged(let change): change.officialAccountID
    case .channelDeleted(let id): id
    case .subscribed(let id, _, _): id
    case .unsubscribed(let id, _): id
    case .subscriptionOptionsChanged(let change): change.officialAccountID
    case .messageSent(let message): message.officialAccountID
    case .messageRecalled(let recall): recall.officialAccountID
    case .subscriberMessage(let message): message.officialAccountID
    case .messageFannedOut(let id, _): id
    }
  }
}
