/// What fan-out does when a consumer's queue (`deliveryHighWaterMark`) is full.
public enum SlowConsumerPolicy: String, Sendable, CaseIterable {
  /// Wait for the consumer: nothing is dropped; fan-out (and the shard's queue) waits.
  case block
  /// Drop the deliveries the consumer's full queue cannot take, counting each; the consumer
  /// sees the `seq` gap and catches up with `getHistory`. Memory stays bounded.
  case drop
}
