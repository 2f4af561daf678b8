import ChannelCastProtocol

/// An official channel ("official account") as the daemon keeps it.
public struct OfficialAccount: Sendable, Equatable {
  public let officialAccountID: ByteString
  public var officialAccountName: String
  public var faceUrl = ""
  public var organization = ""
  public var introduction = ""
  public var customData = ""
  public let ownerUserID: ByteString
  /// Unix seconds.
  public let createTime: Int64
  public var maxSubscriberCount: Int
  /// Unix seconds of the last message, 0 before the first.
  public var lastMessageTime: Int64 = 0
  /// The seq of the channel's last stream entry (message, recall or info change).
  public var lastSeq: UInt64
  /// The last `sendTimeMs` handed out, so that send times never decrease within the channel.
  var lastSendTimeMs: Int64 = 0

  public init(
    officialAccountID: ByteString, officialAccountName: String, ownerUserID: ByteString,
    createTime: Int64, maxSubscriberCount: Int, lastSeq: UInt64
  ) {
    self.officialAccountID = officialAccountID
    self.officialAccountName = officialAccountName
    self.ownerUserID = ownerUserID
    self.createTime = createTime
    self.maxSubscriberCount = maxSubscriberCount
    self.lastSeq = lastSeq
  }

  /// The next send time in Unix milliseconds: now, or the last one if the clock went back.
  mutating func nextSendTime(nowMs: Int64) -> Int64 {
    lastSendTimeMs = max(lastSendTimeMs, nowMs)
    return lastSendTimeMs
  }
}
