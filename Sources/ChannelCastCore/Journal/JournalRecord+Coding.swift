/// The binary form of journal records (format version 1). A body is the record's fields in
/// declaration order: IDs and text as varint-length-prefixed UTF-8, counts as varints, times
/// as zigzag varints, seqs as varints.
extension JournalRecord {
  /// The record's type byte in the journal.
  public var type: UInt8 {
    switch self {
    case .channelCreated: 1
    case .channelChanged: 2
    case .channelDeleted: 3
    case .subscribed: 4
    case .unsubscribed: 5
    case .subscriptionOptionsChanged: 6
    case .messageSent: 7
    case .messageRecalled: 8
    case .subscriberMessage: 9
    case .messageFannedOut: 10
    }
  }

  /// Appends the record's body (without its type) to `body`.
  public func encode(into body: inout [UInt8]) {
    switch self {
    case .channelCreated(let account):
      account.encode(into: &body)
    case .channelChanged(let change):
      body.appendLengthPrefixed(change.officialAccountID)
      body.appendVarint(change.seq)
      body.appendSignedVarint(change.timeMs)
      body.appendLengthPrefixed(change.officialAccountName)
      body.appendLengthPrefixed(change.faceUrl)
      body.appendLengthPrefixed(change.organization)
      body.appendLengthPrefixed(change.introduction)
      body.appendLengthPrefixed(change.customData)
      body.appendVarint(change.maxSubscriberCount)
    case .channelDeleted(let id):
      body.appendLengthPrefixed(id)
    case .subscribed(let id, let userID, let subscribeTime):
      body.appendLengthPrefixed(id)
      body.appendLengthPrefixed(userID)
      body.appendVarint(UInt64(subscribeTime))
    case .unsubscribed(let id, let userID):
      body.appendLengthPrefixed(id)
      body.appendLengthPrefixed(userID)
    case .subscriptionOptionsChanged(let change):
      body.appendLengthPrefixed(change.officialAccountID)
      body.appendLengthPrefixed(change.userID)
      body.append(change.flag.map(\.rawValue) ?? Self.unchanged)
      body.appendBool(change.customData != nil)
      if let customData = change.customData { body.appendLengthPrefixed(customData) }
    case .messageSent(let message):
      body.appendLengthPrefixed(message.officialAccountID)
      body.appendVarint(message.seq)
      body.appendLengthPrefixed(message.msgKey)
      body.appendSignedVarint(message.sendTimeMs)
      body.appendSignedVarint(message.sentAtMs)
      body.appendVarint(message.recipientCount)
      body.appendBool(message.clientMsgID != nil)
      if let clientMsgID = message.clientMsgID { body.appendLengthPrefixed(clientMsgID) }
      body.appendLengthPrefixed(message.payload)
    case .messageRecalled(let recall):
      body.appendLengthPrefixed(recall.officialAccountID)
      body.appendLengthPrefixed(recall.msgKey)
      body.appendVarint(recall.messageSeq)
      body.appendVarint(recall.seq)
      body.appendLengthPrefixed(recall.reason)
      body.appendSignedVarint(recall.timeMs)
    case .subscriberMessage(let message):
      body.appendLengthPrefixed(message.officialAccountID)
      body.appendLengthPrefixed(message.fromUserID)
      body.appendLengthPrefixed(message.msgKey)
      body.appendSignedVarint(message.sendTimeMs)
      body.appendLengthPrefixed(message.payload)
    case .messageFannedOut(let id, let seq):
      body.appendLengthPrefixed(id)
      body.appendVarint(seq)
    }
  }

  /// Decodes a record's body; the whole body must be used.
  public static func decode(type: UInt8, body: UnsafeRawBufferPointer)
    throws(RecordDecodingError) -> JournalRecord
  {
    var reader = BinaryReader(body)
    let record = try decode(type: type, &reader)
    guard reader.isAtEnd else { throw .trailingBytes(reader.remaining) }
    return record
  }

  static func decode(type: UInt8, _ reader: inout BinaryReader)
    throws(RecordDecodingError) -> JournalRecord
  {
    switch type {
    case 1:
      return .channelCreated(try OfficialAccount.decode(&reader))
    case 2:
      return .channelChanged(
        ChannelChange(
          officialAccountID: try reader.readOfficialAccountID(), seq: try reader.readSeq(),
          timeMs: try reader.readTime(), officialAccountName: try reader.readString(),
          faceUrl: try reader.readString(), organization: try reader.readString(),
          introduction: try reader.readString(), customData: try reader.readString(),
          maxSubscriberCount: try reader.readCount(maximum: Int.max)))
    case 3:
      return .channelDeleted(officialAccountID: try reader.readOfficialAccountID())
    case 4:
      return .subscribed(
        officialAccountID: try reader.readOfficialAccountID(), userID: try reader.readUserID(),
        subscribeTime: UInt32(try reader.readCount(maximum: Int(UInt32.max))))
    case 5:
      return .unsubscribed(
        officialAccountID: try reader.readOfficialAccountID(), userID: try reader.readUserID())
    case 6:
      let id = try reader.readOfficialAccountID()
      let userID = try reader.readUserID()
      let flagByte = try reader.readByte()
      let flag: MessageFlag?
      if flagByte == unchanged {
        flag = nil
      } else if let known = MessageFlag(rawValue: flagByte) {
        flag = known
      } else {
        throw .invalid("a message flag \(flagByte)")
      }
      let customData = try reader.readBool() ? try reader.readString() : nil
      return .subscriptionOptionsChanged(
        SubscriptionOptionsChange(
          officialAccountID: id, userID: userID, flag: flag, customData: customData))
    case 7:
      return .messageSent(
        SentMessage(
          officialAccountID: try reader.readOfficialAccountID(), seq: try reader.readSeq(),
          msgKey: try reader.readString(), sendTimeMs: try reader.readTime(),
          sentAtMs: try reader.readTime(), recipientCount: try reader.readCount(),
          clientMsgID: try reader.readBool() ? try reader.readString() : nil,
          payload: try reader.readJSON(object: false)))
    case 8:
      return .messageRecalled(
        RecalledMessage(
          officialAccountID: try reader.readOfficialAccountID(), msgKey: try reader.readString(),
          messageSeq: try reader.readSeq(), seq: try reader.readSeq(),
          reason: try reader.readString(), timeMs: try reader.readTime()))
    case 9:
      return .subscriberMessage(
        SubscriberMessage(
          officialAccountID: try reader.readOfficialAccountID(),
          fromUserID: try reader.readUserID(),
          msgKey: try reader.readString(), sendTimeMs: try reader.readTime(),
          payload: try reader.readBytes()))
    case 10:
      return .messageFannedOut(
        officialAccountID: try reader.readOfficialAccountID(), seq: try reader.readSeq())
    default:
      throw .unknownType(type)
    }
  }

  /// The flag byte of an options change that left the flag alone.
  private static let unchanged: UInt8 = 0xFF
}

extension OfficialAccount {
  /// Every field, for the journal's `channelCreated` and the snapshot's channel records.
  func encode(into body: inout [UInt8]) {
    body.appendLengthPrefixed(officialAccountID)
    body.appendLengthPrefixed(officialAccountName)
    body.appendLengthPrefixed(faceUrl)
    body.appendLengthPrefixed(organization)
    body.appendLengthPrefixed(introduction)
    body.appendLengthPrefixed(customData)
    body.appendLengthPrefixed(ownerUserID)
    body.appendSignedVarint(createTime)
    body.appendVarint(maxSubscriberCount)
    body.appendSignedVarint(lastMessageTime)
    body.appendVarint(lastSeq)
    body.appendSignedVarint(lastSendTimeMs)
  }

  static func decode(_ reader: inout BinaryReader) throws(RecordDecodingError) -> OfficialAccount {
    let id = try reader.readOfficialAccountID()
    let name = try reader.readString()
    let faceUrl = try reader.readString()
    let organization = try reader.readString()
    let introduction = try reader.readString()
    let customData = try reader.readString()
    let owner = try reader.readUserID()
    var account = OfficialAccount(
      officialAccountID: id, officialAccountName: name, ownerUserID: owner,
      createTime: try reader.readTime(),
      maxSubscriberCount: try reader.readCount(maximum: Int.max), lastSeq: 0)
    account.faceUrl = faceUrl
    account.organization = organization
    account.introduction = introduction
    account.customData = customData
    account.lastMessageTime = try reader.readTime()
    account.lastSeq = try reader.readSeq()
    account.lastSendTimeMs = try reader.readTime()
    return account
  }
}
