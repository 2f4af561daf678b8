/// Comparing the model with what a restarted daemon shows, and learning from it.
extension CrashModel {
  /// The first way in which `observed` differs from the model, or nil when it agrees: equal
  /// where the model knows a value, inside the bounds where it only knows bounds.
  func difference(from observed: ObservedState, ids: [String]) -> String? {
    for id in ids {
      switch (channels[id], observed.channels[id]) {
      case (nil, nil): continue
      case (nil, .some): return "\(id) exists, but the model has no such channel"
      case (.some, nil): return "\(id) is missing"
      case (let model?, let seen?):
        if let difference = model.difference(from: seen) { return "\(id): \(difference)" }
      }
    }
    return nil
  }

  /// The model with every value it did not know taken from `observed`, which must agree with it.
  func learning(from observed: ObservedState) -> CrashModel {
    var learned = self
    for (id, seen) in observed.channels {
      learned.channels[id]?.learn(from: seen)
    }
    return learned
  }
}

extension ModelChannel {
  func difference(from seen: ObservedChannel) -> String? {
    if fields != seen.fields { return "fields are \(seen.fields), expected \(fields)" }
    if ownerUserID != seen.ownerUserID { return "ownerUserID is \(seen.ownerUserID)" }
    if !createTime.contains(seen.createTime) {
      return "createTime is \(seen.createTime), expected \(createTime)"
    }
    if lastSeq != seen.lastSeq { return "lastSeq is \(seen.lastSeq), expected \(lastSeq)" }
    if !lastMessageTime.contains(seen.lastMessageTime) {
      return "lastMessageTime is \(seen.lastMessageTime), expected \(lastMessageTime)"
    }
    if seen.subscriberCount != subscribers.count || seen.subscribers.count != subscribers.count {
      return "subscribers are \(seen.subscribers.keys.sorted()) (subscriberCount "
        + "\(seen.subscriberCount)), expected \(subscribers.keys.sorted())"
    }
    for (userID, subscription) in subscribers {
      guard let seenSubscription = seen.subscribers[userID] else {
        return "\(userID) does not subscribe"
      }
      if let difference = subscription.difference(from: seenSubscription) {
        return "subscription of \(userID): \(difference)"
      }
    }
    let oldestSeq = history.first.map(entrySeq) ?? lastSeq + 1
    if seen.oldestSeq != oldestSeq {
      return "oldestSeq is \(seen.oldestSeq), expected \(oldestSeq)"
    }
    if seen.history.count != history.count {
      return "history has seqs \(seen.history.map(\.seq)), expected \(history.map(entrySeq))"
    }
    for (entry, seenEntry) in zip(history, seen.history) where !entry.agrees(with: seenEntry) {
      return "history entry \(seenEntry), expected \(entry)"
    }
    return nil
  }

  mutating func learn(from seen: ObservedChannel) {
    createTime = .exactly(seen.createTime)
    for (userID, seenSubscription) in seen.subscribers {
      subscribers[userID]?.subscribeTime = .exactly(seenSubscription.subscribeTime)
    }
    for (position, seenEntry) in zip(history.indices, seen.history) {
      if case .message(let seq, _, _, let payload, let recalled) = history[position],
        case .message(_, let msgKey, let sendTimeMs, _, _) = seenEntry
      {
        history[position] = .message(
          seq: seq, msgKey: msgKey, sendTimeMs: .exactly(sendTimeMs), payload: payload,
          recalled: recalled)
      }
    }
  }
}

extension ModelSubscription {
  func difference(from seen: ObservedSubscription) -> String? {
    if !subscribeTime.contains(seen.subscribeTime) {
      return "subscribeTime is \(seen.subscribeTime), expected \(subscribeTime)"
    }
    if msgFlag != seen.msgFlag { return "msgFlag is \(seen.msgFlag), expected \(msgFlag)" }
    if customData != seen.customData {
      return "customData is \(seen.customData), expected \(customData)"
    }
    return nil
  }
}

extension ModelEntry {
  /// Whether a kept entry is this one: a message's payload is only compared while it is not
  /// recalled (a tombstone has none).
  func agrees(with seen: ObservedEntry) -> Bool {
    switch (self, seen) {
    case (
      .message(let seq, let msgKey, let sendTimeMs, let payload, let recalled),
      .message(let seenSeq, let seenKey, let seenTime, let seenPayload, let seenRecalled)
    ):
      return seq == seenSeq && (msgKey == nil || msgKey == seenKey)
        && sendTimeMs.contains(seenTime) && recalled == seenRecalled
        && (recalled ? seenPayload == nil : seenPayload == payload)
    case (
      .messageRecalled(let seq, let msgKey, let reason),
      .messageRecalled(let seenSeq, let seenKey, let seenReason)
    ):
      return seq == seenSeq && msgKey == seenKey && reason == seenReason
    case (
      .officialAccountInfoChanged(let seq, let fields),
      .officialAccountInfoChanged(let seenSeq, let seenFields)
    ):
      return seq == seenSeq && fields == seenFields
    default:
      return false
    }
  }
}
