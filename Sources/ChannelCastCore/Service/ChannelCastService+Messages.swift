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
      guard earlier.payloadHash == payloadHash, earlier.payloadCount == payload.count else {
        throw ChannelCastError(
          .duplicate,
          "clientMsgID \"\(clientMsgID)\" was used for a different payload (msgKey \(earlier.msgKey))",
          details: .init(field: "clientMsgID", msgKey: earlier.msgKey))
      }
      return earlier.result
    }

    let seq = nextSeq(number)
    let msgKey = identifiers.nextMessageKey()
    let sendTimeMs = channels[Int(number)]!.account.nextSendTime(nowMs: nowMs)
    channels[Int(number)]!.account.lastMessageTime = sendTimeMs / 1000
    let members = index.members(of: number)
    func encode(notify: Bool?) -> [UInt8] {
      Envelope.message(
        officialAccountID: id, msgKey: msgKey, seq: seq, sendTimeMs: sendTimeMs, notify: notify,
        payload: payload)
    }
    appendToStream(
      number, kind: .message(msgKey: msgKey, sendTimeMs: sendTimeMs, recalled: false),
      encoded: encode(notify: nil),
      envelopes: BroadcastEnvelopes(
        acceptAndNotify: SharedBytes(encode(notify: true)),
        acceptNotNotify: SharedBytes(encode(notify: false)), discard: nil))

    let sent = SentMessageLog.Entry(
      payloadHash: payloadHash, payloadCount: payload.count, msgKey: msgKey, seq: seq,
      sendTimeMs: sendTimeMs, recipientCount: members.messageRecipientCount, sentAtMs: nowMs)
    if let clientMsgID {
      channels[Int(number)]!.sentMessages.record(sent, for: clientMsgID)
    }
    return sent.result
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
    let msgKey = identifiers.nextMessageKey()
    let sendTimeMs = channels[Int(number)]!.account.nextSendTime(
      nowMs: clock.nowMilliseconds())
    let owner = index.directory.intern(state(number).account.ownerUserID)
    sendEvent(
      Envelope.subscriberMessage(
        officialAccountID: id, fromUserID: userID, msgKey: msgKey, sendTimeMs: sendTimeMs,
        payload: payload),
      toUser: owner, channel: number)
    var result = JSONObjectWriter()
    result.add("msgKey", msgKey)
    result.add("sendTimeMs", sendTimeMs)
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
      switch state(number).history.lookUpForRecall(msgKey: msgKey) {
      case .retained(let messageSeq, let sendTimeMs):
        channels[Int(number)]!.history.markRecalled(
          seq: messageSeq,
          tombstone: Envelope.messageTombstone(
            officialAccountID: id, msgKey: msgKey, seq: messageSeq, sendTimeMs: sendTimeMs))
        let seq = nextSeq(number)
        let envelope = Envelope.messageRecalled(
          seq: seq, officialAccountID: id, msgKey: msgKey, reason: reason)
        let shared = SharedBytes(envelope)
        appendToStream(
          number, kind: .messageRecalled, encoded: envelope,
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
    let channel = state(number)
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
