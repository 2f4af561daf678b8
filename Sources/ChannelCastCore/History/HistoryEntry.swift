/// One retained entry of a channel's stream, already encoded as `getHistory` returns it.
public struct HistoryEntry: Sendable {
  /// What kind of stream entry this is.
  public enum Kind: Sendable, Equatable {
    /// A message; `recalled` once it became a tombstone.
    case message(msgKey: String, sendTimeMs: Int64, recalled: Bool)
    case messageRecalled
    case officialAccountInfoChanged
  }

  public let seq: UInt64
  /// When the entry joined the stream, in Unix milliseconds: what age retention goes by.
  public let timeMs: Int64
  public internal(set) var kind: Kind
  /// The encoded entry: the delivery envelope of the same seq, less the per-recipient `notify`.
  public internal(set) var encoded: [UInt8]

  public init(seq: UInt64, timeMs: Int64, kind: Kind, encoded: [UInt8]) {
    self.seq = seq
    self.timeMs = timeMs
    self.kind = kind
    self.encoded = encoded
  }
}
