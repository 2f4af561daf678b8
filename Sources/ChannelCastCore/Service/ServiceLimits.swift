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
  /// The most channels one user may subscribe to.
  public var maxSubscriptionsPerUser = 10_000
  /// Messages per second each channel may send (`sendMessage`), refilling a bucket of
  /// `channelSendBurst`; 0 for no limit.
  public var channelSendRatePerSecond = 0.0
  /// Messages a channel may send at once before the rate applies.
  public var channelSendBurst = 1
  /// How long the same payload to the same channel is refused as `duplicate`, in
  /// milliseconds; 0 for never.
  public var duplicateWindowMs: Int64 = 0

  /// Deliveries accepted but not yet handed to the delivery socket, across shards, above which a
  /// request that fans out to a channel's subscribers is refused as `overloaded`: the bound on
  /// the work between the command thread and the shards.
  public var maxPendingDeliveries = 20_000_000

  public init() {}
}
