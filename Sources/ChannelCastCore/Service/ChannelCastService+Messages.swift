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
      let earlier = channels[Int(number)]!.sentMessages.entry(
        for: clientMsgID, nowMs: nowMs, retentionMs: limits.clientMsgIDRetentionMs)
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

    let channel = self[channel: number]
    let message = JournalRecord.SentMessage(
      officialAccountID: id, seq: nextSeq(number), msgKey: identifiers.nextMessageKey(),
      sendTimeMs: max(channel.account.lastSendTimeMs, nowMs), sentAtMs: nowMs,
      recipientCount: index.members(of: number).messageRecipientCount, clientMsgID: clientMsgID,
      payload: Array(payload))
    mutationLog?.append(.messageSent(message))
    storeSentMessage(message, in: number, payloadHash: payloadHash)
    let progress = broadcast(.message, number, envelopes: Self.messageEnvelopes(message))
    inFlightMessages.append(InFlightMessage(message: message, progress: progress))
    return Self.sentResult(message)
  }

  /// Refuses a message whose payload the channel sent within the duplicate window, or that the
  /// channel's send rate does not allow yet.
  private func checkSendLimits(
    _ id: ByteString, number: UInt32, payload: SentMessageLog.PayloadFingerprint, count: Int,
    nowMs: Int64
  ) throws(ChannelCastError) {
    if limits.duplicateWindowMs > 0,
      let earlier = channels[Int(number)]!.recentPayloads.earlier(
        payload, count: count, nowMs: nowMs, windowMs: limits.duplicateWindowMs)
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

  /// Adds a sent message to its channel: the stream entry, the send time, the `clientMsgID`.
  /// Shared by `sendMessage` (which has hashed the payload already) and recovery.
  func storeSentMessage(
    _ message: JournalRecord.SentMessage, in number: UInt32,
    payloadHash: SentMessageLog.PayloadFingerprint? = nil
  ) {
    let payloadHash = payloadHash ?? SentMessageLog.hash(message.payload[...])
    advanceSeq(number, to: message.seq)
    appendToStream(
      number, seq: message.seq, timeMs: message.sendTimeMs,
      kind: .message(msgKey: message.msgKey, sendTimeMs: message.sendTimeMs, recalled: false),
      encoded: Self.messageEnvelope(message, notify: nil))
    _ = channels[Int(number)]!.account.nextSendTime(nowMs: message.sendTimeMs)
    channels[Int(number)]!.account.lastMessageTime = message.sendTimeMs / 1000
    if limits.duplicateWindowMs > 0 {
      channels[Int(number)]!.recentPayloads.record(
        payloadHash, count: message.payload.count, msgKey: message.msgKey,
        sentAtMs: message.sentAtMs)
    }
    if let clientMsgID = message.clientMsgID {
      channels[Int(number)]!.sentMessages.record(
        SentMessageLog.Entry(
          payloadHash: payloadHash,
          payloadCount: message.payload.count, msgKey: message.msgKey, seq: message.seq,
          sendTimeMs: message.sendTimeMs, recipientCount: message.recipientCount,
          sentAtMs: message.sentAtMs),
        for: clientMsgID)
    }
  }

  /// What each message flag receives of a message.
  static func messageEnvelopes(_ message: JournalRecord.SentMessage) -> BroadcastEnvelopes {
    BroadcastEnvelopes(
      acceptAndNotify: SharedBytes(messageEnvelope(message, notify: true)),
      acceptNotNotify: SharedBytes(messageEnvelope(message, notify: false)), discard: nil)
  }

  private static func messageEnvelope(_ message: JournalRecord.SentMessage, notify: Bool?)
    -> [UInt8]
  {
    Envelope.message(
      officialAccountID: message.officialAccountID, msgKey: message.msgKey, seq: message.seq,
      sendTimeMs: message.sendTimeMs, notify: notify, payload: message.payload[...])
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
    guard let user = index.directory.lookup(userID),
      index.subscription(user: user, channel: number) != nil
    else {
      throw ChannelCastError(
        .permissionDenied, "user \(userID) does not subscribe to \(id)",
        details: .init(field: "userID"))
    }
    let message = JournalRecord.SubscriberMessage(
      officialAccountID: id, fromUserID: userID, msgKey: identifiers.nextMessageKey(),
      sendTimeMs: channels[Int(number)]!.account.nextSendTime(nowMs: clock.nowMilliseconds()),
      payload: Array(payload))
    mutationLog?.append(.subscriberMessage(message))
    let owner = index.directory.intern(self[channel: number].account.ownerUserID)
    sendEvent(
      .subscriberMessage,
      Envelope.subscriberMessage(
        officialAccountID: id, fromUserID: userID, msgKey: message.msgKey,
        sendTimeMs: message.sendTimeMs, payload: payload),
      toUser: owner, channel: number)
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
      switch self[channel: number].history.lookUpForRecall(msgKey: msgKey) {
      case .retained(let messageSeq, _):
        let recall = JournalRecord.RecalledMessage(
          officialAccountID: id, msgKey: msgKey, messageSeq: messageSeq, seq: nextSeq(number),
          reason: reason, timeMs: clock.nowMilliseconds())
        mutationLog?.append(.messageRecalled(recall))
        let shared = SharedBytes(storeRecall(recall, in: number))
        broadcast(
          .messageRecalled, number,
          envelopes: BroadcastEnvelopes(
            acceptAndNotify: shared, acceptNotNotify: shared, discard: nil))
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

  /// Turns a retained message into its tombstone and appends the `messageRecalled` entry;
  /// returns that entry. Shared by `recallMessages` and recovery.
  @discardableResult
  func storeRecall(_ recall: JournalRecord.RecalledMessage, in number: UInt32) -> [UInt8] {
    if case .retained(_, let sendTimeMs) = self[channel: number].history.lookUpForRecall(
      msgKey: recall.msgKey)
    {
      channels[Int(number)]!.history.markRecalled(
        seq: recall.messageSeq,
        tombstone: Envelope.messageTombstone(
          officialAccountID: recall.officialAccountID, msgKey: recall.msgKey,
          seq: recall.messageSeq, sendTimeMs: sendTimeMs))
    }
    advanceSeq(number, to: recall.seq)
    let envelope = Envelope.messageRecalled(
      seq: recall.seq, officialAccountID: recall.officialAccountID, msgKey: recall.msgKey,
      reason: recall.reason)
    appendToStream(
      number, seq: recall.seq, timeMs: recall.timeMs, kind: .messageRecalled, encoded: envelope)
    return envelope
  }

  func getHistory(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    let afterSeq = try request.integer("afterSeq", in: 0...Int.max) ?? 0
    let limit = try request.pageLimit(
      maximum: FieldLimits.historyPageLimit, defaultLimit: FieldLimits.historyPageLimit)
    let userID = try request.userID()
    let number = try channelNumber(id)
    if let userID {
      guard let user = index.directory.lookup(userID),
        index.subscription(user: user, channel: number) != nil
      else {
        throw ChannelCastError(
          .permissionDenied, "user \(userID) does not subscribe to \(id)",
          details: .init(field: "userID"))
      }
    }
    channels[Int(number)]!.history.evictExpired(nowMs: clock.nowMilliseconds())
    let channel = self[channel: number]
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
