import ChannelCastProtocol

/// The service's whole state at one moment, taken on the command thread in a few milliseconds
/// and written out on another thread while the service goes on changing.
///
/// Taking it copies values, not data: the channels, the index and the in-flight list are
/// copy-on-write, so the service's next change to any of them copies just the part it touches
/// and this snapshot keeps reading the old one. Users are read from the shared, append-only
/// `UserDirectory`, below the count taken with the snapshot.
///
/// `@unchecked Sendable`: every stored value is a copy that nothing mutates any more, and the
/// directory is safe to read below `userCount` from any thread.
public struct ServiceSnapshot: @unchecked Sendable {
  /// Users per `users` record: records stay around 100 KB.
  static let usersPerRecord = 4096
  /// History entries and custom data entries per record.
  static let entriesPerRecord = 256

  /// Channels by number, with placeholders under `vacantNumbers`.
  let channels: ChunkedArray<ChannelState>
  let vacantNumbers: Set<UInt32>
  let index: SubscriptionIndex
  let userCount: Int
  let retiredLastSeq: [ByteString: UInt64]
  private(set) var inFlightMessages: [JournalRecord.SentMessage]
  public let takenAtMs: Int64
  /// The event feed's `logSeq` of the last record the snapshot holds (0 before the first):
  /// recovery counts on from it. The daemon sets it; the service does not know the feed.
  public var lastLogSeq: UInt64 = 0

  /// The snapshot without the messages whose fan-out was under way: a cluster's snapshot
  /// holds what every node has alike, and which messages a node has handed to its users is
  /// its own (the cluster sends again what a node that left may not have).
  public func withoutInFlightMessages() -> ServiceSnapshot {
    var snapshot = self
    snapshot.inFlightMessages = []
    return snapshot
  }

  /// Writes the snapshot's records, in the order `SnapshotRecordType` describes.
  public func write(to output: inout some SnapshotOutput) throws {
    var records = 0
    func append(_ type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) throws {
      try output.append(type: type, body)
      records += 1
    }
    try append(.header) { body in
      body.appendSignedVarint(takenAtMs)
      body.appendVarint(userCount)
      body.appendVarint(channels.count - vacantNumbers.count)
      body.appendVarint(index.subscriptionCount)
    }
    // Snapshot ordinals by channel number (-1 for a free number): channels are numbered in the
    // order they are written.
    var ordinals = [Int](repeating: -1, count: channels.count)
    var written = 0
    for (number, channel) in channels.enumerated() where !vacantNumbers.contains(UInt32(number)) {
      ordinals[number] = written
      written += 1
      try append(.channel) { body in Self.encodeChannel(channel, into: &body) }
      for chunk in channel.history.entries(after: 0, limit: channel.history.count).chunks(
        Self.entriesPerRecord)
      {
        try append(.history) { body in
          body.appendVarint(chunk.count)
          for entry in chunk { Self.encodeHistoryEntry(entry, into: &body) }
        }
      }
    }
    for (id, seq) in retiredLastSeq {
      try append(.retiredSeq) { body in
        body.appendLengthPrefixed(id)
        body.appendVarint(seq)
      }
    }
    for first in stride(from: 0, to: userCount, by: Self.usersPerRecord) {
      let users = UInt32(first)..<UInt32(min(first + Self.usersPerRecord, userCount))
      try append(.users) { body in
        body.appendVarint(users.count)
        for user in users { encodeUser(user, ordinals: ordinals, into: &body) }
      }
    }
    for chunk in index.customDataEntries.chunks(Self.entriesPerRecord) {
      try append(.customData) { body in
        body.appendVarint(chunk.count)
        for entry in chunk {
          body.appendVarint(Int(entry.user))
          body.appendVarint(ordinals[Int(entry.channel)])
          body.appendLengthPrefixed(entry.customData)
        }
      }
    }
    for message in inFlightMessages {
      try append(.inFlightMessage) { body in JournalRecord.messageSent(message).encode(into: &body)
      }
    }
    try append(.eventFeed) { body in body.appendVarint(lastLogSeq) }
    let count = records
    try output.append(type: .end) { body in body.appendVarint(count) }
  }

  private static func encodeChannel(_ channel: ChannelState, into body: inout [UInt8]) {
    channel.account.encode(into: &body)
    let remembered = channel.sentMessages.retainedEntries
    body.appendVarint(remembered.count)
    for (clientMsgID, entry) in remembered {
      body.appendLengthPrefixed(clientMsgID)
      body.appendVarint(entry.payloadHash.stable)
      body.appendVarint(entry.payloadCount)
      body.appendLengthPrefixed(entry.msgKey)
      body.appendVarint(entry.seq)
      body.appendSignedVarint(entry.sendTimeMs)
      body.appendVarint(entry.recipientCount)
      body.appendSignedVarint(entry.sentAtMs)
    }
  }

  private static func encodeHistoryEntry(_ entry: HistoryEntry, into body: inout [UInt8]) {
    body.appendVarint(entry.seq)
    body.appendSignedVarint(entry.timeMs)
    switch entry.kind {
    case .message(let msgKey, let sendTimeMs, let recalled):
      body.append(0)
      body.appendLengthPrefixed(msgKey)
      body.appendSignedVarint(sendTimeMs)
      body.appendBool(recalled)
    case .messageRecalled:
      body.append(1)
    case .officialAccountInfoChanged:
      body.append(2)
    }
    body.appendLengthPrefixed(entry.encoded)
  }

  private func encodeUser(_ user: UInt32, ordinals: [Int], into body: inout [UInt8]) {
    let topic = index.directory.topic(of: user)
    body.appendLengthPrefixed(topic.prefix(topic.count - 1))  // the ID, without the NUL
    let subscriptions = index.subscriptionDetails(of: user)
    body.appendVarint(subscriptions.count)
    for subscription in subscriptions {
      body.appendVarint(ordinals[Int(subscription.channel)])
      body.appendVarint(UInt64(subscription.subscribeTime))
      body.append(subscription.flag.rawValue)
    }
  }
}

extension Collection {
  /// Consecutive pieces of at most `size` elements.
  fileprivate func chunks(_ size: Int) -> [SubSequence] {
    stride(from: 0, to: count, by: size).map { offset in
      let start = index(startIndex, offsetBy: offset)
      return self[start..<(index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex)]
    }
  }
}
