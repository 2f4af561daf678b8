/// Rebuilds a state from a snapshot's records, read in the order they were written, through the
/// state's `restore…` methods.
///
/// Ownership: used on the thread that owns the state, before anything else uses it.
public struct SnapshotLoader {
  private let state: ChannelCastState
  private var recordCount = 0
  private var sawHeader = false
  private var finished = false
  /// Channel numbers by snapshot ordinal.
  private var channelNumbers: [UInt32] = []
  private var nextUser: UInt32 = 0
  /// What the header says the snapshot holds, checked at the end.
  private var expectedUsers = 0
  private var expectedSubscriptions = 0

  /// Loads into `state`, which must be empty.
  public init(into state: ChannelCastState) {
    precondition(state.isEmpty, "a snapshot loads into an empty state")
    self.state = state
  }

  /// The snapshot's time, once its header is loaded.
  public private(set) var takenAtMs: Int64 = 0

  /// The event feed's last `logSeq` at the snapshot; 0 for a snapshot written before the feed.
  public private(set) var lastLogSeq: UInt64 = 0

  /// Loads one record.
  public mutating func load(type: UInt8, body: UnsafeRawBufferPointer) throws(RecoveryError) {
    guard !finished else { throw RecoveryError("a record follows the end record") }
    guard let kind = SnapshotRecordType(rawValue: type) else {
      throw RecoveryError(RecordDecodingError.unknownType(type))
    }
    guard sawHeader || kind == .header else {
      throw RecoveryError("the first record is not the header")
    }
    var reader = BinaryReader(body)
    do throws(RecordDecodingError) {
      try load(kind, &reader)
      guard reader.isAtEnd else { throw .trailingBytes(reader.remaining) }
    } catch {
      throw RecoveryError(error)
    }
    recordCount += 1
  }

  /// Checks that the snapshot was whole: its end record was loaded and the counts agree.
  public func finish() throws(RecoveryError) {
    guard finished else { throw RecoveryError("the snapshot has no end record: it was cut short") }
    let subscriptions = state.counts.subscriptions
    guard Int(nextUser) == expectedUsers, subscriptions == expectedSubscriptions else {
      throw RecoveryError(
        "the header promises \(expectedUsers) users and \(expectedSubscriptions) subscriptions; "
          + "the records hold \(nextUser) and \(subscriptions)")
    }
    try state.finishRestoring()
  }

  private mutating func load(_ kind: SnapshotRecordType, _ reader: inout BinaryReader)
    throws(RecordDecodingError)
  {
    switch kind {
    case .header:
      guard !sawHeader else { throw .invalid("a second header") }
      sawHeader = true
      takenAtMs = try reader.readTime()
      expectedUsers = try reader.readCount()
      _ = try reader.readCount()  // channels: checked by the channel records themselves
      expectedSubscriptions = try reader.readCount(maximum: Int.max)
    case .channel:
      try loadChannel(&reader)
    case .history:
      guard let number = channelNumbers.last else { throw .invalid("history before any channel") }
      for _ in 0..<(try reader.readCount()) {
        try state.restoreHistoryEntry(try Self.decodeHistoryEntry(&reader), in: number)
      }
    case .retiredSeq:
      let id = try reader.readOfficialAccountID()
      state.restoreRetiredLastSeq(try reader.readSeq(), of: id)
    case .users:
      for _ in 0..<(try reader.readCount()) { try loadUser(&reader) }
    case .customData:
      for _ in 0..<(try reader.readCount()) {
        let user = UInt32(try reader.readCount(maximum: Int(UInt32.max)))
        guard user < nextUser else { throw .invalid("custom data of unknown user \(user)") }
        let channel = try channelNumber(try reader.readCount())
        let customData = try reader.readString()
        guard state.restoreCustomData(customData, user: user, channel: channel) else {
          throw .invalid("custom data of a subscription that does not exist")
        }
      }
    case .inFlightMessage:
      guard case .messageSent(let message) = try JournalRecord.decode(type: 7, &reader) else {
        throw .invalid("an in-flight message that is not a message")
      }
      state.restoreUnfinishedMessage(message)
    case .eventFeed:
      lastLogSeq = try reader.readVarint()
    case .end:
      guard try reader.readCount() == recordCount else {
        throw .invalid("an end record whose count does not match the records before it")
      }
      finished = true
    }
  }

  private mutating func loadChannel(_ reader: inout BinaryReader) throws(RecordDecodingError) {
    let number = try state.restoreChannel(try OfficialAccount.decode(&reader))
    channelNumbers.append(number)
    for _ in 0..<(try reader.readCount()) {
      let clientMsgID = try reader.readString()
      let entry = SentMessageLog.Entry(
        payloadHash: .init(keyed: nil, stable: try reader.readVarint()),
        payloadCount: try reader.readCount(), msgKey: try reader.readString(),
        seq: try reader.readSeq(), sendTimeMs: try reader.readTime(),
        recipientCount: try reader.readCount(), sentAtMs: try reader.readTime())
      state.restoreSentMessage(entry, for: clientMsgID, in: number)
    }
  }

  private static func decodeHistoryEntry(_ reader: inout BinaryReader)
    throws(RecordDecodingError) -> HistoryEntry
  {
    let seq = try reader.readSeq()
    let timeMs = try reader.readTime()
    let kind: HistoryEntry.Kind
    switch try reader.readByte() {
    case 0:
      kind = .message(
        msgKey: try reader.readString(), sendTimeMs: try reader.readTime(),
        recalled: try reader.readBool())
    case 1: kind = .messageRecalled
    case 2: kind = .officialAccountInfoChanged
    case let other: throw .invalid("a history entry of kind \(other)")
    }
    return HistoryEntry(
      seq: seq, timeMs: timeMs, kind: kind, encoded: try reader.readJSON(object: true))
  }

  private mutating func loadUser(_ reader: inout BinaryReader) throws(RecordDecodingError) {
    let userID = try reader.readUserID()
    guard state.directory.intern(userID) == nextUser else {
      throw .invalid("user \(userID) twice")
    }
    let user = nextUser
    nextUser += 1
    for _ in 0..<(try reader.readCount()) {
      let channel = try channelNumber(try reader.readCount())
      let subscribeTime = UInt32(try reader.readCount(maximum: Int(UInt32.max)))
      guard let flag = MessageFlag(rawValue: try reader.readByte()) else {
        throw .invalid("an unknown message flag")
      }
      guard
        state.restoreSubscription(
          user: user, channel: channel, subscribeTime: subscribeTime, flag: flag)
      else { throw .invalid("user \(userID) subscribed twice to one channel") }
    }
  }

  private func channelNumber(_ ordinal: Int) throws(RecordDecodingError) -> UInt32 {
    guard ordinal < channelNumbers.count else { throw .invalid("channel ordinal \(ordinal)") }
    return channelNumbers[ordinal]
  }
}
