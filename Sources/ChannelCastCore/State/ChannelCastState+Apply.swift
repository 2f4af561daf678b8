import ChannelCastProtocol

/// `apply`: journal records changing the state, one method per kind of record.
extension ChannelCastState {
  /// Applies one record. What the live service also needs of it (numbers, encoded entries)
  /// comes from the typed methods below, which this one calls.
  public func apply(_ record: JournalRecord) throws(RecoveryError) {
    switch record {
    case .channelCreated(let account):
      _ = try applyChannelCreated(account)
    case .channelChanged(let change):
      _ = try applyChannelChanged(change)
    case .channelDeleted(let id):
      _ = try applyChannelDeleted(id)
    case .subscribed(let id, let userID, let subscribeTime):
      _ = try applySubscribed(id, userID: userID, subscribeTime: subscribeTime)
    case .unsubscribed(let id, let userID):
      _ = try applyUnsubscribed(id, userID: userID)
    case .subscriptionOptionsChanged(let change):
      _ = try applySubscriptionOptionsChanged(change)
    case .messageSent(let message):
      _ = try applyMessageSent(message)
    case .messageRecalled(let recall):
      _ = try applyMessageRecalled(recall)
    case .subscriberMessage(let message):
      _ = try applySubscriberMessage(message)
    case .messageFannedOut(let id, let seq):
      applyMessageFannedOut(id, seq: seq)
    }
  }

  /// Adds a channel; returns its number.
  func applyChannelCreated(_ account: OfficialAccount) throws(RecoveryError) -> UInt32 {
    guard channels.number(of: account.officialAccountID) == nil else {
      throw RecoveryError("channel \(account.officialAccountID) is created twice")
    }
    let number = channels.insert(
      ChannelState(account: account, history: retention.makeHistory()))
    index.addChannel(number)
    return number
  }

  /// Changes a channel's fields and appends its `officialAccountInfoChanged` entry; returns the
  /// channel's number, its new view and the entry (the reply and the event carry the same
  /// view: it is encoded once).
  func applyChannelChanged(_ change: JournalRecord.ChannelChange) throws(RecoveryError)
    -> (number: UInt32, view: JSONObjectWriter, entry: [UInt8])
  {
    let number = try existingChannel(change.officialAccountID, seq: change.seq)
    channels[number].account.officialAccountName = change.officialAccountName
    channels[number].account.faceUrl = change.faceUrl
    channels[number].account.organization = change.organization
    channels[number].account.introduction = change.introduction
    channels[number].account.customData = change.customData
    channels[number].account.maxSubscriberCount = change.maxSubscriberCount
    channels[number].account.lastSeq = change.seq  // before the view, which shows it
    let view = view(of: number)
    let entry = Envelope.officialAccountInfoChanged(seq: change.seq, officialAccountInfo: view)
    channels[number].history.append(
      HistoryEntry(
        seq: change.seq, timeMs: change.timeMs, kind: .officialAccountInfoChanged, encoded: entry))
    return (number, view, entry)
  }

  /// Removes a channel, its subscriptions and its unfinished messages; returns its number (free
  /// from now on) and its last members, who are told.
  func applyChannelDeleted(_ id: ByteString) throws(RecoveryError)
    -> (number: UInt32, lastMembers: ChannelMembers)
  {
    let number = try existingChannel(id)
    let lastMembers = index.removeChannel(number)
    channels.remove(number)
    unfinishedMessages.removeAll { $0.officialAccountID == id }
    return (number, lastMembers)
  }

  /// Adds a subscription; returns the channel's number and the user's. `channel` and `user`,
  /// when given, are the numbers of `id` and `userID` that deciding the record found, which
  /// spares looking them up again on the live path (recovery looks them up).
  func applySubscribed(
    _ id: ByteString, userID: ByteString, subscribeTime: UInt32, channel: UInt32? = nil,
    user knownUser: UInt32? = nil
  ) throws(RecoveryError) -> (number: UInt32, user: UInt32) {
    assert(channel == nil || channel == channels.number(of: id), "a wrong channel number")
    assert(knownUser == nil || knownUser == index.directory.lookup(userID), "a wrong user number")
    let number = try existingChannel(id, known: channel)
    let user = knownUser ?? index.directory.intern(userID)
    // The limits were checked when the request was decided; the record holds what happened.
    guard
      index.subscribe(
        user: user, channel: number, subscribeTime: subscribeTime, maxSubscriberCount: .max)
        == .subscribed
    else { throw RecoveryError("user \(userID) subscribes to \(id) twice") }
    return (number, user)
  }

  /// Removes a subscription; returns the channel's number and the user's. `channel` and
  /// `user`, when given, are the numbers deciding the record found (see `applySubscribed`).
  func applyUnsubscribed(
    _ id: ByteString, userID: ByteString, channel: UInt32? = nil, user knownUser: UInt32? = nil
  ) throws(RecoveryError) -> (number: UInt32, user: UInt32) {
    assert(channel == nil || channel == channels.number(of: id), "a wrong channel number")
    assert(knownUser == nil || knownUser == index.directory.lookup(userID), "a wrong user number")
    let number = try existingChannel(id, known: channel)
    guard let user = knownUser ?? index.directory.lookup(userID),
      index.unsubscribe(user: user, channel: number)
    else { throw RecoveryError("user \(userID) unsubscribes from \(id) without a subscription") }
    return (number, user)
  }

  /// Changes a subscription's options; returns the subscription as it now is.
  func applySubscriptionOptionsChanged(_ change: JournalRecord.SubscriptionOptionsChange)
    throws(RecoveryError) -> SubscriptionIndex.Subscription
  {
    let number = try existingChannel(change.officialAccountID)
    guard let user = index.directory.lookup(change.userID),
      let subscription = index.setOptions(
        user: user, channel: number, flag: change.flag, customData: change.customData)
    else {
      throw RecoveryError("options of \(change.userID) for a subscription that does not exist")
    }
    return subscription
  }

  /// Appends a sent message to its channel's stream, remembers its `clientMsgID` and payload,
  /// and keeps it as unfinished until its fan-out is journaled as finished; returns the
  /// channel's number.
  func applyMessageSent(_ message: JournalRecord.SentMessage) throws(RecoveryError) -> UInt32 {
    let number = try existingChannel(message.officialAccountID, seq: message.seq)
    let payloadHash = SentMessageLog.hash(message.payload[...])
    channels[number].account.lastSeq = message.seq
    channels[number].history.append(
      HistoryEntry(
        seq: message.seq, timeMs: message.sendTimeMs,
        kind: .message(msgKey: message.msgKey, sendTimeMs: message.sendTimeMs, recalled: false),
        encoded: Envelope.message(message, notify: nil)))
    _ = channels[number].account.nextSendTime(nowMs: message.sendTimeMs)
    channels[number].account.lastMessageTime = message.sendTimeMs / 1000
    if retention.payloadWindowMs > 0 {
      channels[number].recentPayloads.record(
        payloadHash, count: message.payload.count, msgKey: message.msgKey,
        sentAtMs: message.sentAtMs)
    }
    if let clientMsgID = message.clientMsgID {
      channels[number].sentMessages.record(
        SentMessageLog.Entry(
          payloadHash: payloadHash, payloadCount: message.payload.count, msgKey: message.msgKey,
          seq: message.seq, sendTimeMs: message.sendTimeMs,
          recipientCount: message.recipientCount, sentAtMs: message.sentAtMs),
        for: clientMsgID)
    }
    unfinishedMessages.append(message)
    return number
  }

  /// Turns a retained message into its tombstone and appends the `messageRecalled` entry;
  /// returns the channel's number and that entry.
  func applyMessageRecalled(_ recall: JournalRecord.RecalledMessage) throws(RecoveryError)
    -> (number: UInt32, entry: [UInt8])
  {
    let number = try existingChannel(recall.officialAccountID, seq: recall.seq)
    if case .retained(_, let sendTimeMs) = channels[number].history.lookUpForRecall(
      msgKey: recall.msgKey)
    {
      channels[number].history.markRecalled(
        seq: recall.messageSeq,
        tombstone: Envelope.messageTombstone(
          officialAccountID: recall.officialAccountID, msgKey: recall.msgKey,
          seq: recall.messageSeq, sendTimeMs: sendTimeMs))
    }
    channels[number].account.lastSeq = recall.seq
    let entry = Envelope.messageRecalled(
      seq: recall.seq, officialAccountID: recall.officialAccountID, msgKey: recall.msgKey,
      reason: recall.reason)
    channels[number].history.append(
      HistoryEntry(seq: recall.seq, timeMs: recall.timeMs, kind: .messageRecalled, encoded: entry))
    return (number, entry)
  }

  /// Takes a subscriber's message's send time for the channel (send times never decrease);
  /// returns the channel's number and its owner's user number, who receives the message.
  func applySubscriberMessage(_ message: JournalRecord.SubscriberMessage) throws(RecoveryError)
    -> (number: UInt32, owner: UInt32)
  {
    let number = try existingChannel(message.officialAccountID)
    _ = channels[number].account.nextSendTime(nowMs: message.sendTimeMs)
    return (number, index.directory.intern(channels[number].account.ownerUserID))
  }

  /// Forgets a message whose fan-out finished (absent when its channel was deleted since,
  /// which forgets its unfinished messages).
  func applyMessageFannedOut(_ id: ByteString, seq: UInt64) {
    unfinishedMessages.removeAll { $0.officialAccountID == id && $0.seq == seq }
  }

  /// The number of the channel a record names, which must exist; with `seq`, the record's seq
  /// must be the channel's next. `known` is the number deciding the record found, if any.
  private func existingChannel(_ id: ByteString, seq: UInt64? = nil, known: UInt32? = nil)
    throws(RecoveryError) -> UInt32
  {
    guard let number = known ?? channels.number(of: id) else {
      throw RecoveryError("a record names channel \(id), which does not exist")
    }
    if let seq, seq != nextSeq(number) {
      throw RecoveryError("channel \(id) is at seq \(nextSeq(number) - 1); a record has seq \(seq)")
    }
    return number
  }
}
