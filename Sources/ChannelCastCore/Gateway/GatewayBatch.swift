import ChannelCastProtocol

/// One batch for one gateway: an envelope and the users, attached there, who receive it.
public struct GatewayBatch: Sendable {
  public let gateway: GatewayNumber
  /// The envelope, byte for byte what the per-user delivery carries, shared by the broadcast.
  public let envelope: SharedBytes
  /// Each recipient's userID followed by one NUL.
  public let recipients: [UInt8]
  public let recipientCount: Int
  /// What the envelope is about, for a `gap` notice should the batch be dropped.
  public let mark: DeliveryMark

  public init(
    gateway: GatewayNumber, envelope: SharedBytes, recipients: [UInt8], recipientCount: Int,
    mark: DeliveryMark
  ) {
    self.gateway = gateway
    self.envelope = envelope
    self.recipients = recipients
    self.recipientCount = recipientCount
    self.mark = mark
  }
}

/// Where shards hand their gateway batches: the gateway socket's outboxes in the daemon, a
/// recorder in tests.
public protocol GatewayBatchSink: Sendable {
  /// The most users one batch holds.
  var batchMaxUsers: Int { get }

  /// Hands one batch over, waiting while its gateway applies back-pressure (as the slow-consumer
  /// policy says). Called on shard queues, from several shards at once; the batches of one
  /// shard for one gateway are sent in the order handed over.
  func send(_ batch: GatewayBatch)
}
