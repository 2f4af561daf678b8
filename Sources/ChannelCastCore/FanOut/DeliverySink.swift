import ChannelCastProtocol

/// One delivery: the recipient's topic (user ID and NUL) and the shared envelope.
public struct Delivery {
  public let topic: UnsafeRawBufferPointer
  /// The broadcast's envelope, not retained: the job that holds it outlives the sink call, and
  /// a sink that keeps the bytes longer (zero-copy sending) retains it itself.
  public let sharedEnvelope: Unmanaged<SharedBytes>

  public init(topic: UnsafeRawBufferPointer, envelope: SharedBytes) {
    self.topic = topic
    self.sharedEnvelope = .passUnretained(envelope)
  }

  public init(topic: UnsafeRawBufferPointer, sharedEnvelope: Unmanaged<SharedBytes>) {
    self.topic = topic
    self.sharedEnvelope = sharedEnvelope
  }

  /// The envelope's bytes.
  public var envelope: UnsafeRawBufferPointer {
    sharedEnvelope._withUnsafeGuaranteedRef { $0.buffer }
  }
}

/// Where shards hand their deliveries: the delivery socket in the daemon, a recorder in tests.
public protocol DeliverySink: Sendable {
  /// Hands the deliveries to the transport in order, waiting while it applies back-pressure.
  /// Called on shard queues, from several shards at once. Returns how many were handed over;
  /// the rest were dropped (only when the transport is closing or its policy drops).
  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int
}
