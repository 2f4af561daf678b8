import ChannelCastProtocol

/// One event of the daemon's event feed: a journaled record as backends read it, numbered by
/// `logSeq`. Published as two frames, the type's name as the topic and `json`.
public struct FeedEvent: Sendable, Equatable {
  public let type: FeedEventType
  /// The record's place among every record the daemon has published, counted from 1.
  public let logSeq: UInt64
  /// `{"v":1,"logSeq":n,"type":"...","timeMs":t, ...}`, with the record's fields.
  public let json: [UInt8]
}
