import ChannelCastProtocol

/// One mutation of the service's state, as the journal keeps it: enough to redo the change on
/// recovery without the request that caused it. Records name channels and users by their IDs,
/// never by the in-memory numbers, so that the format does not depend on how the index numbers
/// them.
///
/// The numeric `type` of each case is part of the on-disk format (see `JournalFormat`): never
/// reuse or renumber one.
public enum JournalRecord: Sendable, Equatable {
  /// A channel was created, with every field it starts with.
  case channelCreated(OfficialAccount)
  /// `setOfficialAccountInfo` changed a channel: its new fields and the seq of the
  /// `officialAccountInfoChanged` entry it appended to the stream.
  case channelChanged(ChannelChange)
  case channelDeleted(officialAccountID: ByteString)
  case subscribed(officialAccountID: ByteString, userID: ByteString, subscribeTime: UInt32)
  case unsubscribed(officialAccountID: ByteString, userID: ByteString)
  case subscriptionOptionsChanged(SubscriptionOptionsChange)
  case messageSent(SentMessage)
  case messageRecalled(RecalledMessage)
  /// A subscriber's message to the channel's owner (`sendMessageToOfficialAccount`).
  case subscriberMessage(SubscriberMessage)
  /// Every delivery of a sent message has been handed to the delivery socket: recovery need
  /// not fan it out again.
  case messageFannedOut(officialAccountID: ByteString, seq: UInt64)

  public struct ChannelChange: Sendable, Equatable {
    public var officialAccountID: ByteString
    public var seq: UInt64
    public var timeMs: Int64
    public var officialAccountName: String
    public var faceUrl: String
    public var organization: String
    public var introduction: String
    public var customData: String
    public var maxSubscriberCount: Int
  }

  public struct SubscriptionOptionsChange: Sendable, Equatable {
    public var officialAccountID: ByteString
    public var userID: ByteString
    /// Nil when the request left the flag as it was.
    public var flag: MessageFlag?
    /// Nil when the request left the custom data as it was.
    public var customData: String?
  }

  public struct SentMessage: Sendable, Equatable {
    public var officialAccountID: ByteString
    public var seq: UInt64
    public var msgKey: String
    public var sendTimeMs: Int64
    /// When the daemon took the request (the clock, not the channel's send-time floor).
    public var sentAtMs: Int64
    public var recipientCount: Int
    public var clientMsgID: String?
    /// The payload's JSON text, as the request carried it.
    public var payload: [UInt8]
  }

  public struct RecalledMessage: Sendable, Equatable {
    public var officialAccountID: ByteString
    public var msgKey: String
    /// The seq of the recalled message.
    public var messageSeq: UInt64
    /// The seq of the `messageRecalled` entry the recall appended to the stream.
    public var seq: UInt64
    public var reason: String
    public var timeMs: Int64
  }

  public struct SubscriberMessage: Sendable, Equatable {
    public var officialAccountID: ByteString
    public var fromUserID: ByteString
    public var msgKey: String
    public var sendTimeMs: Int64
    public var payload: [UInt8]
  }
}
