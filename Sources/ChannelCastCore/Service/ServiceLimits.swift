/// The limits of the service that an operator configures.
public struct ServiceLimits: Sendable, Equatable {
  /// `maxSubscriberCount` of a channel created without one.
  public var maxSubscriberCount = 100_000
  /// Retained stream entries per channel.
  public var historySize = 1000
  /// Retained bytes of encoded stream entries per channel.
  public var historyMaxBytes = 1 << 20
  /// The age after which a stream entry is no longer retained, in milliseconds; 0 keeps
  /// entries of any age.
  public var historyMaxAgeMs: Int64 = 0
  /// The largest message payload, in bytes as the request carried them.
  public var maxPayloadBytes = 12288
  /// How long a `clientMsgID` is remembered for safe retries, in milliseconds.
  public var clientMsgIDRetentionMs: Int64 = 10 * 60 * 1000

  public init() {}
}
