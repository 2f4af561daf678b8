import ChannelCastProtocol

/// Restoring: what `SnapshotLoader` rebuilds the state with, a snapshot record at a time. The
/// state must be empty when it starts, and `finishRestoring()` must come last.
extension ChannelCastState {
  /// Whether nothing has been applied or restored yet.
  var isEmpty: Bool { channels.count == 0 && index.directory.count == 0 }

  /// Adds a snapshot's channel; returns its number.
  func restoreChannel(_ account: OfficialAccount) throws(RecordDecodingError) -> UInt32 {
    guard channels.number(of: account.officialAccountID) == nil else {
      throw .invalid("channel \(account.officialAccountID) twice")
    }
    let number = channels.insert(ChannelState(account: account, history: retention.makeHistory()))
    index.addChannel(number)
    return number
  }

  /// Remembers a `clientMsgID` a channel used.
  func restoreSentMessage(_ entry: SentMessageLog.Entry, for clientMsgID: String, in number: UInt32)
  {
    channels[number].sentMessages.record(entry, for: clientMsgID)
  }

  /// Appends a history entry, which must follow the channel's newest and not pass its last seq.
  func restoreHistoryEntry(_ entry: HistoryEntry, in number: UInt32) throws(RecordDecodingError) {
    let channel = channels[number]
    if let newest = Self.newestSeq(of: channel), entry.seq != newest + 1 {
      throw .invalid("history entry \(entry.seq) after entry \(newest)")
    }
    guard entry.seq <= channel.account.lastSeq else {
      throw .invalid("history entry \(entry.seq) of a channel at seq \(channel.account.lastSeq)")
    }
    channels[number].history.append(entry)
  }

  func restoreRetiredLastSeq(_ seq: UInt64, of id: ByteString) {
    channels.restoreRetiredLastSeq(seq, of: id)
  }

  /// Adds a user's subscription, leaving the channel's subscriber order to
  /// `finishRestoring()`; false if the user already subscribes.
  func restoreSubscription(
    user: UInt32, channel: UInt32, subscribeTime: UInt32, flag: MessageFlag
  ) -> Bool {
    guard
      index.subscribe(
        user: user, channel: channel, subscribeTime: subscribeTime, maxSubscriberCount: .max,
        keepingOrder: false) == .subscribed
    else { return false }
    if flag != .acceptAndNotify {
      _ = index.setOptions(user: user, channel: channel, flag: flag, customData: nil)
    }
    return true
  }

  /// Sets a subscription's custom data; false if there is no such subscription.
  func restoreCustomData(_ customData: String, user: UInt32, channel: UInt32) -> Bool {
    index.setOptions(user: user, channel: channel, flag: nil, customData: customData) != nil
  }

  func restoreUnfinishedMessage(_ message: JournalRecord.SentMessage) {
    unfinishedMessages.append(message)
  }

  /// Ends restoring: sorts each channel's subscribers, and checks that every channel's history
  /// reaches its last seq.
  func finishRestoring() throws(RecoveryError) {
    index.rebuildSubscriberOrders()
    for number in channels.allNumbers {
      let channel = channels[number]
      if let newest = Self.newestSeq(of: channel), newest != channel.account.lastSeq {
        throw RecoveryError(
          "the history of \(channel.account.officialAccountID) ends at seq \(newest); "
            + "the channel is at seq \(channel.account.lastSeq)")
      }
    }
  }

  /// The seq of the newest entry a channel's history keeps, nil when it keeps none.
  private static func newestSeq(of channel: ChannelState) -> UInt64? {
    let history = channel.history
    guard history.count > 0 else { return nil }
    return history.oldestSeq(lastSeq: 0) + UInt64(history.count) - 1
  }
}
