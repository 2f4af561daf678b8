import ChannelCastProtocol

/// Recovery: snapshots of the state, and redoing journal records without sending anything.
extension ChannelCastService {
  /// The state as it is now, to write out on another thread (see `ServiceSnapshot`).
  public func takeSnapshot() -> ServiceSnapshot {
    ServiceSnapshot(
      channels: channels, index: index, userCount: index.directory.count,
      retiredLastSeq: retiredLastSeq, inFlightMessages: inFlightMessages.map(\.message),
      takenAtMs: clock.nowMilliseconds())
  }

  /// Redoes one journal record. The journal holds only what the service did, so a record that
  /// does not fit the state (a channel that does not exist, a gap in a seq) means the files do
  /// not belong together, and recovery stops.
  public func apply(_ record: JournalRecord) throws(RecoveryError) {
    switch record {
    case .channelCreated(let account):
      guard channelNumbers[account.officialAccountID] == nil else {
        throw RecoveryError("channel \(account.officialAccountID) is created twice")
      }
      insertChannel(account)
    case .channelChanged(let change):
      let number = try recoveredChannel(change.officialAccountID, seq: change.seq)
      _ = storeChange(change, in: number)
    case .channelDeleted(let id):
      _ = removeChannel(try recoveredChannel(id))
    case .subscribed(let id, let userID, let subscribeTime):
      let number = try recoveredChannel(id)
      let outcome = index.subscribe(
        user: index.directory.intern(userID), channel: number, subscribeTime: subscribeTime,
        maxSubscriberCount: .max)
      guard outcome == .subscribed else {
        throw RecoveryError("user \(userID) subscribes to \(id) twice")
      }
    case .unsubscribed(let id, let userID):
      let number = try recoveredChannel(id)
      guard let user = index.directory.lookup(userID),
        index.unsubscribe(user: user, channel: number)
      else { throw RecoveryError("user \(userID) unsubscribes from \(id) without a subscription") }
    case .subscriptionOptionsChanged(let change):
      let number = try recoveredChannel(change.officialAccountID)
      guard let user = index.directory.lookup(change.userID),
        index.setOptions(
          user: user, channel: number, flag: change.flag, customData: change.customData) != nil
      else {
        throw RecoveryError("options of \(change.userID) for a subscription that does not exist")
      }
    case .messageSent(let message):
      let number = try recoveredChannel(message.officialAccountID, seq: message.seq)
      storeSentMessage(message, in: number)
      inFlightMessages.append(InFlightMessage(message: message, progress: nil))
    case .messageRecalled(let recall):
      storeRecall(recall, in: try recoveredChannel(recall.officialAccountID, seq: recall.seq))
    case .subscriberMessage(let message):
      let number = try recoveredChannel(message.officialAccountID)
      _ = channels[Int(number)]!.account.nextSendTime(nowMs: message.sendTimeMs)
    case .messageFannedOut(let id, let seq):
      // Absent when the channel was deleted meanwhile, which forgets its messages in flight.
      inFlightMessages.removeAll { $0.message.officialAccountID == id && $0.message.seq == seq }
    }
  }

  /// The recovered messages whose fan-out is still to be sent again.
  public var interruptedFanOutCount: Int {
    inFlightMessages.count { $0.progress == nil }
  }

  /// Fans out again the messages whose fan-out a crash or a shutdown timeout cut short, oldest
  /// first, to the channels' subscribers as they are now. Call it once recovery is done and
  /// the journal is attached; returns how many messages it sent again.
  @discardableResult
  public func resumeInterruptedFanOuts() -> Int {
    var resumed = 0
    for position in inFlightMessages.indices where inFlightMessages[position].progress == nil {
      let message = inFlightMessages[position].message
      guard let number = channelNumbers[message.officialAccountID] else { continue }
      inFlightMessages[position].progress = broadcast(
        .message, number, envelopes: Self.messageEnvelopes(message))
      resumed += 1
    }
    return resumed
  }

  /// The number of a channel a record names, which must exist; with `seq`, the record's seq
  /// must be the channel's next.
  private func recoveredChannel(_ id: ByteString, seq: UInt64? = nil) throws(RecoveryError)
    -> UInt32
  {
    guard let number = channelNumbers[id] else {
      throw RecoveryError("a record names channel \(id), which does not exist")
    }
    if let seq, seq != nextSeq(number) {
      throw RecoveryError("channel \(id) is at seq \(nextSeq(number) - 1); a record has seq \(seq)")
    }
    return number
  }
}
