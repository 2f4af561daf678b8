import ChannelCastProtocol

extension JournalRecord {
  /// The feed's type for this record, or nil for `messageFannedOut`: the daemon's own
  /// bookkeeping (every delivery of a message was handed over), which backends never see and
  /// which takes no `logSeq`.
  public var feedEventType: FeedEventType? {
    switch self {
    case .channelCreated: .officialAccountCreated
    case .channelChanged: .officialAccountInfoChanged
    case .channelDeleted: .officialAccountDeleted
    case .subscribed: .subscribed
    case .unsubscribed: .unsubscribed
    case .subscriptionOptionsChanged: .subscriptionOptionsChanged
    case .messageSent: .messageSent
    case .messageRecalled: .messagesRecalled
    case .subscriberMessage: .subscriberMessage
    case .messageFannedOut: nil
    }
  }

  /// The record as an event of the feed (docs/protocol.md, Event feed), or nil for a record the
  /// feed does not publish. `timeMs` is when the daemon journaled the record (Unix
  /// milliseconds). The fields carry the protocol's names; what the record does not hold (a
  /// channel's `subscriberCount`, the `ownerUserID` of a changed channel) is left out rather
  /// than looked up, so that the event says exactly what the journal says.
  public func feedEvent(logSeq: UInt64, timeMs: Int64) -> FeedEvent? {
    guard let type = feedEventType else { return nil }
    var event = JSONObjectWriter()
    event.add("v", FeedEventType.formatVersion)
    event.add("logSeq", logSeq)
    event.add("type", type.name)
    event.add("timeMs", timeMs)
    addFields(to: &event)
    return FeedEvent(type: type, logSeq: logSeq, json: event.finished())
  }

  private func addFields(to event: inout JSONObjectWriter) {
    switch self {
    case .channelCreated(let account):
      event.add("officialAccountID", utf8: account.officialAccountID.bytes)
      var info = JSONObjectWriter.officialAccountStaticInfo(account)
      info.add("maxSubscriberCount", account.maxSubscriberCount)
      info.add("lastSeq", account.lastSeq)
      event.add("officialAccountInfo", object: info)
    case .channelChanged(let change):
      event.add("officialAccountID", utf8: change.officialAccountID.bytes)
      event.add("seq", change.seq)
      var info = JSONObjectWriter()
      info.add("officialAccountID", utf8: change.officialAccountID.bytes)
      info.add("officialAccountName", change.officialAccountName)
      info.add("faceUrl", change.faceUrl)
      info.add("organization", change.organization)
      info.add("introduction", change.introduction)
      info.add("customData", change.customData)
      info.add("maxSubscriberCount", change.maxSubscriberCount)
      event.add("officialAccountInfo", object: info)
    case .channelDeleted(let officialAccountID):
      event.add("officialAccountID", utf8: officialAccountID.bytes)
    case .subscribed(let officialAccountID, let userID, let subscribeTime):
      event.add("officialAccountID", utf8: officialAccountID.bytes)
      event.add("userID", utf8: userID.bytes)
      event.add("subscribeTime", Int64(subscribeTime))
    case .unsubscribed(let officialAccountID, let userID):
      event.add("officialAccountID", utf8: officialAccountID.bytes)
      event.add("userID", utf8: userID.bytes)
    case .subscriptionOptionsChanged(let change):
      event.add("officialAccountID", utf8: change.officialAccountID.bytes)
      event.add("userID", utf8: change.userID.bytes)
      // Absent when the request left it as it was, as in the request.
      if let flag = change.flag { event.add("msgFlag", flag.name) }
      if let customData = change.customData { event.add("customData", customData) }
    case .messageSent(let message):
      event.add("officialAccountID", utf8: message.officialAccountID.bytes)
      event.add("msgKey", message.msgKey)
      event.add("seq", message.seq)
      event.add("sendTimeMs", message.sendTimeMs)
      event.add("recipientCount", message.recipientCount)
      if let clientMsgID = message.clientMsgID { event.add("clientMsgID", clientMsgID) }
      // The request's payload was checked as one JSON value; it is spliced in as it came.
      event.add("payload", rawJSON: message.payload)
    case .messageRecalled(let recall):
      event.add("officialAccountID", utf8: recall.officialAccountID.bytes)
      event.add("msgKey", recall.msgKey)
      event.add("seq", recall.seq)
      event.add("messageSeq", recall.messageSeq)
      event.add("reason", recall.reason)
    case .subscriberMessage(let message):
      event.add("officialAccountID", utf8: message.officialAccountID.bytes)
      event.add("fromUserID", utf8: message.fromUserID.bytes)
      event.add("msgKey", message.msgKey)
      event.add("sendTimeMs", message.sendTimeMs)
      event.add("payload", rawJSON: message.payload)
    case .messageFannedOut:
      break
    }
  }
}
