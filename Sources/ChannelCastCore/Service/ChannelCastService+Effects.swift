import ChannelCastProtocol

/// Records and their effects: applying a record to the state, and sending the events it causes
/// to the users this process delivers to. The service decides records and takes this path for
/// each; a cluster node takes the same path for the records other nodes decided, which it reads
/// from the cluster's log, so that every node emits the same events for the same records.
extension ChannelCastService {
  /// What applying a record answers, for the reply of the request that decided it.
  enum AppliedRecord {
    case channelCreated(number: UInt32)
    /// The changed channel's view, which the reply shows.
    case channelChanged(view: JSONObjectWriter)
    /// The subscriber's view of the channel, which the reply shows.
    case subscribed(view: JSONObjectWriter)
    case subscriptionOptionsChanged(SubscriptionIndex.Subscription)
    case other
  }

  /// Logs a record `decide` produced, applies it and sends its events; returns what the state
  /// answers. The record was decided against this state, so the state cannot refuse it: if it
  /// did, decide and apply would disagree, which is a bug, not a condition to handle.
  /// `channel` and `user`, when given, are the numbers deciding found, which spares looking
  /// them up again.
  @discardableResult
  func record(_ record: JournalRecord, channel: UInt32? = nil, user: UInt32? = nil)
    -> AppliedRecord
  {
    log?.append(record)
    do {
      return try applyWithEffects(record, channel: channel, user: user)
    } catch {
      preconditionFailure("a decided record does not apply: \(error)")
    }
  }

  /// Applies a record another node decided, read from the cluster's log in order, and sends
  /// the events it causes to this node's users, unless `sendingEvents` is false (a node
  /// catching up with the log at start: what the log holds was delivered when it happened; a
  /// message then counts as fanned out). Throws if the state refuses it (it does not follow
  /// from the records before it: the log and the state disagree).
  public func applyReplicated(_ record: JournalRecord, sendingEvents: Bool = true)
    throws(RecoveryError)
  {
    guard sendingEvents else {
      try state.apply(record)
      if case .messageSent(let message) = record {
        state.applyMessageFannedOut(message.officialAccountID, seq: message.seq)
      }
      return
    }
    _ = try applyWithEffects(record, channel: nil, user: nil)
  }

  private func applyWithEffects(_ record: JournalRecord, channel: UInt32?, user knownUser: UInt32?)
    throws(RecoveryError) -> AppliedRecord
  {
    switch record {
    case .channelCreated(let account):
      return .channelCreated(number: try state.applyChannelCreated(account))
    case .channelChanged(let change):
      let changed = try state.applyChannelChanged(change)
      broadcast(
        .officialAccountInfoChanged, changed.number,
        envelopes: .everyone(SharedBytes(changed.entry)))
      return .channelChanged(view: changed.view)
    case .channelDeleted(let id):
      let deleted = try state.applyChannelDeleted(id)
      sendRates.forget(id)
      fanOutsInProgress.removeAll { $0.officialAccountID == id }
      broadcast(
        .officialAccountDeleted, to: deleted.lastMembers,
        envelopes: .everyone(SharedBytes(Envelope.officialAccountDeleted(officialAccountID: id))),
        channel: deleted.number,
        mark: DeliveryMark(
          officialAccountID: id, seq: state.channels.retiredLastSeq(of: id) ?? 0))
      return .other
    case .subscribed(let id, let userID, let subscribeTime):
      let (number, user) = try state.applySubscribed(
        id, userID: userID, subscribeTime: subscribeTime, channel: channel, user: knownUser)
      // The reply and the event carry the same view: encode it once.
      let view = state.view(of: number, subscribeTime: subscribeTime)
      sendEvent(
        .officialAccountSubscribed, Envelope.officialAccountSubscribed(officialAccountInfo: view),
        toUser: user, channel: number)
      return .subscribed(view: view)
    case .unsubscribed(let id, let userID):
      let (number, user) = try state.applyUnsubscribed(
        id, userID: userID, channel: channel, user: knownUser)
      sendEvent(
        .officialAccountUnsubscribed, state.channels.unsubscribedEnvelope(of: number),
        toUser: user, channel: number)
      return .other
    case .subscriptionOptionsChanged(let change):
      return .subscriptionOptionsChanged(try state.applySubscriptionOptionsChanged(change))
    case .messageSent(let message):
      let number = try state.applyMessageSent(message)
      fanOutsInProgress.append(
        MessageFanOut(
          officialAccountID: message.officialAccountID, seq: message.seq,
          progress: broadcast(.message, number, envelopes: .message(message))))
      return .other
    case .messageRecalled(let recall):
      let (number, entry) = try state.applyMessageRecalled(recall)
      let shared = SharedBytes(entry)
      broadcast(
        .messageRecalled, number,
        envelopes: BroadcastEnvelopes(
          acceptAndNotify: shared, acceptNotNotify: shared, discard: nil))
      return .other
    case .subscriberMessage(let message):
      let (number, owner) = try state.applySubscriberMessage(message)
      sendEvent(
        .subscriberMessage,
        Envelope.subscriberMessage(
          officialAccountID: message.officialAccountID, fromUserID: message.fromUserID,
          msgKey: message.msgKey, sendTimeMs: message.sendTimeMs, payload: message.payload[...]),
        toUser: owner, channel: number)
      return .other
    case .messageFannedOut(let id, let seq):
      state.applyMessageFannedOut(id, seq: seq)
      return .other
    }
  }
}
