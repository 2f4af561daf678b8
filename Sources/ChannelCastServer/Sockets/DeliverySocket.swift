import ChannelCastCore
import Logging
import Synchronization
import ZeroMQ

/// The delivery socket: an XPUB socket with `ZMQ_XPUB_NODROP` and a bounded send high-water mark,
/// so that when consumers fall behind, fan-out waits instead of dropping.
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

  /// How many times a send has waited `backPressureWaitMilliseconds` for a full consumer: it
  /// advances while fan-out is held up by consumers, which the watchdog counts as alive.
  var backPressureWaits: UInt64 { backPressureWaitCount.load(ordering: .relaxed) }

  init(context: ZMQContext, endpoint: String, highWaterMark: Int, logger: Logger) throws {
    let socket = try Socket(context: context, type: .xpub)
    try socket.setOption(.xpubNoDrop, true)
    try socket.setOption(.sendHighWaterMark, Int32(clamping: highWaterMark))
    try socket.setOption(.sendTimeout, Self.backPressureWaitMilliseconds)
    try socket.setOption(.linger, 0)
    try socket.bind(endpoint)
    self.socket = LockedSocket(socket)
    self.logger = logger
  }

  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int {
    socket.withSocket { socket in
      guard let socket else { return 0 }
      var handed = 0
      for delivery in deliveries {
        // The topic is small and copied; the envelope, shared by the whole broadcast, is not.
        let envelope = delivery.sharedEnvelope.takeUnretainedValue()
        guard
          waitingWhileFull({ () throws(ZMQError) in
            try socket.send(delivery.topic, more: true)
          }),
          waitingWhileFull({ () throws(ZMQError) in
            try socket.send(sharing: envelope.buffer, owner: envelope)
          })
        else { break }
        handed += 1
      }
      Self.discardSubscriptionMessages(socket)
      return handed
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
