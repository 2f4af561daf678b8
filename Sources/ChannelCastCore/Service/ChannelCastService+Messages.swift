import ChannelCastProtocol

/// Message operations: broadcast, subscriber-to-channel messages, recall, history.
extension ChannelCastService {
  func sendMessage(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    let payload = try request.payload(limit: limits.maxPayloadBytes)
    let clientMsgID = try request.text("clientMsgID", limit: FieldLimits.clientMsgID, minimum: 1)
    let number = try channelNumber(id)
    let nowMs = clock.nowMilliseconds()
    let payloadHash = SentMessageLog.hash(payload)

    if let clientMsgID,
      let earlier = state.earlierMessage(
        clientMsgID: clientMsgID, in: number, nowMs: nowMs,
        retentionMs: limits.clientMsgIDRetentionMs)
    {
      guard earlier.payloadHash.matches(payloadHash), earlier.payloadCount == payload.count else {
        throw ChannelCastError(
          .duplicate,
          "clientMsgID \"\(clientMsgID)\" was used for a different payload (msgKey \(earlier.msgKey))",
          details: .init(field: "clientMsgID", msgKey: earlier.msgKey))
      }
      return earlier.result
    }
    try checkSendLimits(
      id, number: number, payload: payloadHash, count: payload.count, nowMs: nowMs)

    let message = JournalRecord.SentMessage(
      officialAccountID: id, seq: state.nextSeq(number), msgKey: identifiers.nextMessageKey(),
      sendTimeMs: max(state.channels.lastSendTimeMs(of: number), nowMs), sentAtMs: nowMs,
      recipientCount: state.index.members(of: number).messageRecipientCount,
      clientMsgID: clientMsgID, payload: Array(payload))
    record(.messageSent(message))
    return Self.sentResult(message)
  }

  /// Refuses a message whose payload the channel sent within the duplicate window, or that the
  /// channel's send rate does not allow yet.
  private func checkSendLimits(
    _ id: ByteString, number: UInt32, payload: SentMessageLog.PayloadFingerprint, count: Int,
    nowMs: Int64
  ) throws(ChannelCastError) {
    if limits.duplicateWindowMs > 0,
      let earlier = state.earlierMessage(
        payload: payload, count: count, in: number, nowMs: nowMs,
        windowMs: limits.duplicateWindowMs)
    {
      throw ChannelCastError(
        .duplicate,
        "\(id) sent the same payload as message \(earlier) within the last "
          + "\(limits.duplicateWindowMs / 1000) s",
        details: .init(field: "payload", msgKey: earlier))
    }
    if limits.channelSendRatePerSecond > 0,
      let waitMs = sendRates.take(
        for: id, nowMs: nowMs, ratePerSecond: limits.channelSendRatePerSecond,
        burst: limits.channelSendBurst)
    {
      throw ChannelCastError(
        .rateLimited,
        "\(id) may send \(limits.channelSendRatePerSecond) messages per second; retry in "
          + "\(waitMs) ms",
        details: .init(retryAfterMs: Int(waitMs)))
    }
  }

  private static func sentResult(_ message: JournalRecord.SentMessage) -> JSONObjectWriter {
    var result = JSONObjectWriter()
    result.add("msgKey", message.msgKey)
    result.add("seq", message.seq)
    result.add("sendTimeMs", message.sendTimeMs)
    result.add("recipientCount", message.recipientCount)
    return result
  }

  func sendMessageToOfficialAccount(_ request: Request) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    let id = try request.requiredOfficialAccountID()
    let userID = try request.requiredUserID()
    let payload = try request.payload(limit: limits.maxPayloadBytes)
    let number = try channelNumber(id)
    guard let user = state.directory.lookup(userID),
      state.index.subscription(user: user, channel: number) != nil
    else {
      throw ChannelCastError(
        .permissionDenied, "user \(userID) does not subscribe to \(id)",
        details: .init(field: "userID"))
    }
    let message = JournalRecord.SubscriberMessage(
      officialAccountID: id, fromUserID: userID, msgKey: identifiers.nextMessageKey(),
      sendTimeMs: max(state.channels.lastSendTimeMs(of: number), clock.nowMilliseconds()),
      payload: Array(payload))
    record(.subscriberMessage(message))
    var result = JSONObjectWriter()
    result.add("msgKey", message.msgKey)
    result.add("sendTimeMs", message.sendTimeMs)
    return result
  }

  func recallMessages(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    guard let keys = try request.array("msgKeys", limit: FieldLimits.msgKeysPerRecall),
      !keys.isEmpty
    else {
      throw .invalid("msgKeys", "msgKeys must name 1 to \(FieldLimits.msgKeysPerRecall) keys")
    }
    let msgKeys = try keys.map { (key) throws(ChannelCastError) in
      guard let msgKey = key.stringValue else {
        throw .invalid("msgKeys", "msgKeys must hold strings")
      }
      return msgKey
    }
    let reason = try request.text("reason", limit: FieldLimits.recallReason) ?? ""
    let number = try channelNumber(id)

    var results = JSONArrayWriter()
    for msgKey in msgKeys {
      var result = JSONObjectWriter()
      result.add("msgKey", msgKey)
      switch state.channels[number].history.lookUpForRecall(msgKey: msgKey) {
      case .retained(let messageSeq, _):
        let recall = JournalRecord.RecalledMessage(
          officialAccountID: id, msgKey: msgKey, messageSeq: messageSeq,
          seq: state.nextSeq(number), reason: reason, timeMs: clock.nowMilliseconds())
        record(.messageRecalled(recall))
        result.addResult()
      case .alreadyRecalled:
        result.addResult(info: "already recalled")
      case .notRetained:
        result.addResult(
          ChannelCastError(.notFound, "no retained message of \(id) has msgKey \(msgKey)"))
      }
      results.append(object: result)
    }
    return .results(results)
  }

  func getHistory(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    let afterSeq = try request.integer("afterSeq", in: 0...Int.max) ?? 0
    let limit = try request.pageLimit(
      maximum: FieldLimits.historyPageLimit, defaultLimit: FieldLimits.historyPageLimit)
    let userID = try request.userID()
    let number = try channelNumber(id)
    if let userID {
      guard let user = state.directory.lookup(userID),
        state.index.subscription(user: user, channel: number) != nil
      else {
        throw ChannelCastError(
          .permissionDenied, "user \(userID) does not subscribe to \(id)",
          details: .init(field: "userID"))
      }
    }
    state.evictExpiredHistory(of: number, nowMs: clock.nowMilliseconds())
    let channel = state.channels[number]
    var messages = JSONArrayWriter()
    for entry in channel.history.entries(after: UInt64(afterSeq), limit: limit) {
      messages.append(rawJSON: entry.encoded)
    }
    var result = JSONObjectWriter()
    result.add("messages", array: messages)
    result.add("oldestSeq", channel.history.oldestSeq(lastSeq: channel.account.lastSeq))
    result.add("lastSeq", channel.account.lastSeq)
    return result
  }
}
