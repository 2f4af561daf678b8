import ArgumentParser

/// What the started daemon does when a consumer's queue is full: the values of its
/// `--slow-consumer-policy` flag.
enum SlowConsumerPolicy: String, CaseIterable, ExpressibleByArgument {
  /// Fan-out waits for the consumer: nothing is dropped (the daemon's default).
  case block
  /// The deliveries the full queue cannot take are dropped and counted (`deliveriesDropped`).
  case drop
}
