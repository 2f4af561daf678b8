import ChannelCastCore
import Logging
import Synchronization
import ZeroMQ

/// The delivery socket: an XPUB socket with `ZMQ_XPUB_NODROP` and a bounded send high-water mark.
/// When a consumer falls behind, the `block` policy makes fan-out wait for it; the `drop` policy
/// drops (and counts) each delivery its full queue cannot take, and fan-out goes on.
///
/// Ownership: the socket lives inside a `LockedSocket` and is only touched by whoever holds its
/// lock:
/// a fan-out shard handing over a batch, or `close()`. No other queue sits between the shards and
/// libzmq.
final class DeliverySocket: DeliverySink {
  /// How long one blocking send waits for a full consumer before checking whether the daemon is
  /// closing.
  private static let backPressureWaitMilliseconds: Int32 = 100

  private let socket: LockedSocket
  private let closing = Atomic<Bool>(false)
  private let logger: Logger
  private let backPressureWaitCount = Atomic<UInt64>(0)
  private let policy: SlowConsumerPolicy

  /// How many times a send has waited `backPressureWaitMilliseconds` for a full consumer: it
  /// advances while fan-out is held up by consumers, which the watchdog counts as alive.
  var backPressureWaits: UInt64 { backPressureWaitCount.load(ordering: .relaxed) }

  init(
    context: ZMQContext, endpoint: String, highWaterMark: Int, sendBufferBytes: Int,
    policy: SlowConsumerPolicy, security: CurveSecurity?, logger: Logger
  ) throws {
    let socket = try Socket(context: context, type: .xpub)
    try security?.secure(socket, domain: ClientRegistry.deliveryDomain)
    try socket.setOption(.xpubNoDrop, true)
    try socket.setOption(.sendHighWaterMark, Int32(clamping: highWaterMark))
    // Set before binding: libzmq gives it to each connection it accepts from then on.
    if sendBufferBytes > 0 {
      try socket.setOption(.sendBufferSize, Int32(clamping: sendBufferBytes))
    }
    try socket.setOption(.sendTimeout, Self.backPressureWaitMilliseconds)
    try socket.setOption(.linger, 0)
    try socket.bind(endpoint)
    self.socket = LockedSocket(socket)
    self.logger = logger
    self.policy = policy
  }

  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int {
    socket.withSocket { socket in
      guard let socket else { return 0 }
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
          // libzmq takes or refuses a message at its first frame; the rest of a message it took
          // always follows.
          guard let taken = sendingUnlessFull(delivery.topic, envelope, on: socket) else {
            return handed
          }
          if taken { handed += 1 }
        }
      }
      Self.discardSubscriptionMessages(socket)
      return handed
    }
  }

  /// Sends one delivery if the consumers' queues can take it: true if sent, false if dropped
  /// (a full queue), nil when the socket failed (logged).
  private func sendingUnlessFull(
    _ topic: UnsafeRawBufferPointer, _ envelope: SharedBytes, on socket: Socket
  )
    -> Bool?
  {
    do {
      guard try socket.send(topic, more: true, dontWait: true) else { return false }
      try socket.send(sharing: envelope.buffer, owner: envelope)
      return true
    } catch {
      logger.error("delivery socket failed: \(error)")
      return nil
    }
  }

  /// Stops waiting for slow consumers and closes the socket; later deliveries count as dropped.
  func close() {
    closing.store(true, ordering: .relaxed)
    socket.close()
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

  /// XPUB queues every consumer's (un)subscription for the application to read; nothing here
  /// needs them, so they are read and dropped to keep that queue from growing.
  private static func discardSubscriptionMessages(_ socket: Socket) {
    while (try? socket.receiveFrame(dontWait: true)) != nil {}
  }
}
