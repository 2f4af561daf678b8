import ChannelCastProtocol

/// The fan-outs a crash or a shutdown timeout cut short: the state's unfinished messages that
/// this process has not fanned out.
extension ChannelCastService {
  /// The unfinished messages no fan-out of this process covers (after a recovery, until
  /// `resumeInterruptedFanOuts()`).
  public var interruptedFanOutCount: Int {
    state.unfinishedMessages.count { !isFanningOut($0) }
  }

  /// Fans out again the messages whose fan-out a crash or a shutdown timeout cut short, oldest
  /// first, to the channels' subscribers as they are now. Call it once recovery is done;
  /// returns how many messages it sent again.
  @discardableResult
  public func resumeInterruptedFanOuts() -> Int {
    var resumed = 0
    for message in state.unfinishedMessages where !isFanningOut(message) {
      guard let number = state.channels.number(of: message.officialAccountID) else { continue }
      fanOutsInProgress.append(
        MessageFanOut(
          officialAccountID: message.officialAccountID, seq: message.seq,
          progress: broadcast(.message, number, envelopes: .message(message))))
      resumed += 1
    }
    return resumed
  }

  private func isFanningOut(_ message: JournalRecord.SentMessage) -> Bool {
    fanOutsInProgress.contains {
      $0.seq == message.seq && $0.officialAccountID == message.officialAccountID
    }
  }
}

extension ChannelCastService {
  /// Cluster mode: fans out again, to the users of `userPartitions` (those this node took over)
  /// as they subscribe now, messages that the node it took them over from may not have handed
  /// to them (at least once: users can see a message twice, with the same msgKey). A message of
  /// a deleted channel, one recalled since, or one no longer retained is not sent again.
  /// Returns how many were.
  @discardableResult
  public func resendMessages(
    _ messages: [JournalRecord.SentMessage], toUsersOf userPartitions: DeliveryScope.Partitions
  ) -> Int {
    var resent = 0
    for message in messages {
      guard let number = state.channels.number(of: message.officialAccountID),
        case .retained = state.channels[number].history.lookUpForRecall(msgKey: message.msgKey)
      else { continue }
      broadcast(.message, number, envelopes: .message(message), onlyUsers: userPartitions)
      resent += 1
    }
    return resent
  }
}
