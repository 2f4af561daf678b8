/// One delivery: the recipient's topic (user ID and NUL) and the shared envelope.
public struct Delivery {
  public let topic: UnsafeRawBufferPointer
  public let envelope: UnsafeRawBufferPointer

  public init(topic: UnsafeRawBufferPointer, envelope: UnsafeRawBufferPointer) {
    self.topic = topic
    self.envelope = envelope
  }
}

/// Where shards hand their deliveries: the delivery socket in the daemon, a recorder in tests.
public protocol DeliverySink: Sendable {
  /// Hands the deliveries to the transport in order, waiting while it applies back-pressure.
  /// Called on shard queues, from several shards at once. Returns how many were handed over;
  /// the rest were dropped (only when the transport is closing or its policy drops).
  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int
}
