import ChannelCastCore
import ChannelCastProtocol
import Logging
import Synchronization
import ZeroMQ

/// The delivery socket: an XPUB socket with `ZMQ_XPUB_NODROP` and a bounded send high-water mark.
/// When a consumer's queue is full, fan-out waits for it: for good under the `block` policy; under
/// `drop`, for at most `slowConsumerGraceMilliseconds`, after which the delivery goes only to
/// the consumers with room, and libzmq cuts the full one off until it reads again.
///
/// Ownership: the socket lives in a `LockedDeliveryEndpoint` and is only touched by whoever
/// holds its lock: a fan-out shard handing over a batch, the `SubscriptionIntake` taking
/// subscriptions in, or `close()`. No other queue sits between the shards and libzmq.
///
/// Why a cut-off rather than a drop decided per delivery: XPUB tells the application only that
/// *some* consumer matching a topic is full, never which one. A healthy consumer is full for an
/// instant in every burst (fan-out writes faster than libzmq's I/O thread drains), so once one
/// consumer has stalled, no later refusal could be told apart from a healthy one's without
/// waiting for it. libzmq can tell them apart: with `ZMQ_XPUB_NODROP` off for one send, it
/// writes to every matching consumer with room and marks a full one inactive, skipping it until
/// it has read half its queue. So a consumer is waited for once per stall; afterwards libzmq
/// discards its deliveries at once, which `sendReportingDiscard` reveals and `SubscribedTopics`
/// tells apart from deliveries to users no consumer subscribes to, so each one is counted.
final class DeliverySocket: DeliverySink {
  /// How long one blocking send waits for a full consumer before checking whether the daemon is
  /// closing (and, under `drop`, whether the grace has run out).
  private static let backPressureWaitMilliseconds = 100
  /// Subscription messages queued per consumer connection before libzmq stops reading that
  /// connection: room for a gateway that subscribes its users in one burst, since the
  /// `SubscriptionIntake` applies them as they come.
  static let subscriptionHighWaterMark: Int32 = 100_000

  private let endpoint: LockedDeliveryEndpoint
  /// The `cc-subscribe` thread (see `SubscriptionIntake`), which closes the socket when asked to
  /// stop; the delivery socket's `DaemonPartService` owns and ends it.
  let thread: DedicatedThread
  private let closing = Atomic<Bool>(false)
  private let logger: Logger
  private let backPressureWaitCount = Atomic<UInt64>(0)
  private let cutOffCount = Atomic<UInt64>(0)
  private let policy: SlowConsumerPolicy
  private let graceMilliseconds: Atomic<Int>

  /// How many times a send has waited `backPressureWaitMilliseconds` for a full consumer: it
  /// advances while fan-out is held up by consumers, which the watchdog counts as alive.
  var backPressureWaits: UInt64 { backPressureWaitCount.load(ordering: .relaxed) }

  /// How many topics the consumers subscribe to (a topic several share counts once).
  var subscribedTopicCount: Int { endpoint.subscribedTopicCount }

  /// How many times, under `drop`, a consumer stayed full for the whole grace and was cut off.
  var consumersCutOff: UInt64 { cutOffCount.load(ordering: .relaxed) }

  /// Under `drop`, how long a delivery waits for a full consumer before it is cut off.
  var slowConsumerGraceMilliseconds: Int {
    get { graceMilliseconds.load(ordering: .relaxed) }
    set { graceMilliseconds.store(newValue, ordering: .relaxed) }
  }

  init(
    context: ZMQContext, endpoint: String, highWaterMark: Int, sendBufferBytes: Int,
    policy: SlowConsumerPolicy, graceMilliseconds: Int, security: CurveSecurity?, logger: Logger
  ) throws {
    let socket = try Socket(context: context, type: .xpub)
    try security?.secure(socket, domain: ClientRegistry.deliveryDomain)
    try socket.setOption(.xpubNoDrop, true)
    try socket.setOption(.sendHighWaterMark, Int32(clamping: highWaterMark))
    try socket.setOption(.receiveHighWaterMark, Self.subscriptionHighWaterMark)
    // Set before binding: libzmq gives it to each connection it accepts from then on.
    if sendBufferBytes > 0 {
      try socket.setOption(.sendBufferSize, Int32(clamping: sendBufferBytes))
    }
    try socket.setOption(.sendTimeout, Int32(Self.backPressureWaitMilliseconds))
    try socket.setOption(.linger, 0)
    try socket.bind(endpoint)
    let signal = try socket.option(.fileDescriptor)
    let locked = LockedDeliveryEndpoint(.init(socket: socket))
    self.endpoint = locked
    self.thread = try SubscriptionIntake.start(endpoint: locked, signal: signal)
    self.logger = logger
    self.policy = policy
    self.graceMilliseconds = Atomic(graceMilliseconds)
  }

  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int {
    // No consumer subscribes to anything (they all use the gateway socket, say): libzmq would
    // take each delivery only to drop it, at its per-message cost. They count as handed over,
    // as deliveries to users no consumer subscribes to always have. Left to itself, the socket
    // takes in a new consumer's subscriptions (`SubscriptionIntake`) within milliseconds.
    if endpoint.subscribedTopicCount == 0 {
      return deliveries.count
    }
    return endpoint.withEndpoint { endpoint in
      guard endpoint != nil else { return 0 }
      return deliver(deliveries, to: &endpoint!)
    }
  }

  /// Hands the deliveries over in order; returns how many, as `deliver(_:)` does.
  private func deliver(
    _ deliveries: UnsafeBufferPointer<Delivery>, to endpoint: inout LockedDeliveryEndpoint.Endpoint
  ) -> Int {
    let socket = endpoint.socket
    var handed = 0
    for delivery in deliveries {
      // The topic is small and copied; the envelope, shared by the whole broadcast, is not.
      let envelope = delivery.sharedEnvelope.takeUnretainedValue()
      switch policy {
      case .block:
        guard
          waitingWhileFull({ () throws(ZMQError) in
            try socket.send(delivery.topic, more: true)
          }),
          waitingWhileFull({ () throws(ZMQError) in
            try socket.send(sharing: envelope.buffer, owner: envelope)
          })
        else { return handed }
        handed += 1
      case .drop:
        switch sendingWithinGrace(delivery.topic, envelope, to: endpoint) {
        case .sent: handed += 1
        case .dropped: break
        case .stopped: return handed
        }
      }
    }
    endpoint.takeSubscriptionsIn()
    return handed
  }

  private enum DropPolicyOutcome {
    /// Every subscribed consumer with room took it (or no consumer subscribes to the user).
    case sent
    /// A consumer subscribed to it did not get it: it was full for the whole grace and is cut
    /// off now, or had been cut off before.
    case dropped
    /// The socket failed (logged) or is closing.
    case stopped
  }

  /// Sends one delivery, waiting up to the grace for a full consumer, then cutting it off.
  private func sendingWithinGrace(
    _ topic: UnsafeRawBufferPointer, _ envelope: SharedBytes,
    to endpoint: LockedDeliveryEndpoint.Endpoint
  ) -> DropPolicyOutcome {
    let socket = endpoint.socket
    do {
      // libzmq takes or refuses a message at its first frame; the rest of a message it took
      // always follows.
      if try socket.send(topic, more: true, dontWait: true) {
        let discarded = try socket.sendReportingDiscard(sharing: envelope.buffer, owner: envelope)
        return discarded && endpoint.subscribedTopics.isSubscribed(topic)
          ? .dropped : .sent
      }
      let deadline = ContinuousClock.now + .milliseconds(slowConsumerGraceMilliseconds)
      while case let remaining = deadline - .now, remaining > .zero {
        if closing.load(ordering: .relaxed) { return .stopped }
        let wait = min(remaining, .milliseconds(Self.backPressureWaitMilliseconds))
        try socket.setOption(.sendTimeout, Int32((wait / .milliseconds(1)).rounded(.up)))
        do {
          try socket.send(topic, more: true)
          try socket.send(sharing: envelope.buffer, owner: envelope)
          return .sent
        } catch let error where error.isWouldBlock || error.isInterrupted {
          backPressureWaitCount.add(1, ordering: .relaxed)
        }
      }
      try cuttingOff(topic, envelope, on: socket)
      return .dropped
    } catch {
      logger.error("delivery socket failed: \(error)")
      return .stopped
    }
  }

  /// Sends one delivery without `ZMQ_XPUB_NODROP`: libzmq writes it to each matching consumer
  /// with room, and marks the full ones inactive until they have read half their queue.
  private func cuttingOff(
    _ topic: UnsafeRawBufferPointer, _ envelope: SharedBytes, on socket: Socket
  ) throws(ZMQError) {
    try socket.setOption(.xpubNoDrop, false)
    defer { try? socket.setOption(.xpubNoDrop, true) }
    try socket.send(topic, more: true, dontWait: true)
    try socket.send(sharing: envelope.buffer, owner: envelope)
    let cutOffs = cutOffCount.add(1, ordering: .relaxed).newValue
    logger.warning(
      """
      a consumer stayed full for the whole slowConsumerGraceMilliseconds: cut off until it \
      reads again; its deliveries are dropped and counted meanwhile
      """,
      metadata: [
        "graceMilliseconds": "\(slowConsumerGraceMilliseconds)", "cutOffsSoFar": "\(cutOffs)",
      ])
  }

  /// Stops waiting for slow consumers and has the `cc-subscribe` thread close the socket;
  /// returns at once. Later deliveries count as dropped.
  func requestClose() {
    closing.store(true, ordering: .relaxed)
    thread.requestStop()
  }

  /// Makes one blocking send, again while the consumers' queues are full. False once closing.
  ///
  /// The send blocks inside libzmq, which wakes it as soon as a consumer has read. Polling for
  /// writable would not: an XPUB reports writable even while `ZMQ_XPUB_NODROP` refuses the send.
  private func waitingWhileFull(_ send: () throws(ZMQError) -> Bool) -> Bool {
    while true {
      do {
        return try send()
      } catch let error where error.isWouldBlock || error.isInterrupted {
        backPressureWaitCount.add(1, ordering: .relaxed)
        if closing.load(ordering: .relaxed) { return false }
      } catch {
        logger.error("delivery socket failed: \(error)")
        return false
      }
    }
  }
}
