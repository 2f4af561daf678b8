import ChannelCastCore
import Foundation
import Logging
import Synchronization

/// The shards' side of the gateway socket: the outbox of each gateway session, by number, and
/// the counts of what went through them.
///
/// Ownership: the table is behind `lock` (an `NSLock`, which ThreadSanitizer understands),
/// changed by the `cc-gateway` thread (a session starts or ends) and read by the shards for
/// every batch; each outbox guards itself.
final class GatewayOutboxes: GatewayBatchSink, @unchecked Sendable {
  /// Batches an outbox holds between the shards and the gateway thread, on top of the
  /// `gatewayHighWaterMark` libzmq queues per gateway: enough for the thread to always find
  /// the next batch ready, few enough that a full gateway is noticed within a few batches.
  static let outboxCapacity = 64

  let batchMaxUsers: Int
  private let policy: SlowConsumerPolicy
  private let graceMilliseconds: Atomic<Int>
  private let lock = NSLock()
  private var outboxes: [GatewayNumber: GatewayOutbox] = [:]
  private let closing = Atomic<Bool>(false)
  private let wake: @Sendable () -> Void
  private let logger: Logger
  /// What went through the outboxes, and the sessions in force.
  let counts = GatewayCounts()

  /// `wake` rouses the `cc-gateway` thread when an outbox gets its first batch.
  init(
    batchMaxUsers: Int, policy: SlowConsumerPolicy, graceMilliseconds: Int, logger: Logger,
    wake: @escaping @Sendable () -> Void
  ) {
    self.batchMaxUsers = batchMaxUsers
    self.policy = policy
    self.graceMilliseconds = Atomic(graceMilliseconds)
    self.logger = logger
    self.wake = wake
  }

  /// Under `drop`, how long a batch waits for a full gateway before the gateway is cut off.
  var slowConsumerGraceMilliseconds: Int {
    get { graceMilliseconds.load(ordering: .relaxed) }
    set { graceMilliseconds.store(newValue, ordering: .relaxed) }
  }

  var totals: GatewayCounts.Totals { counts.totals }

  func send(_ batch: GatewayBatch) {
    guard let outbox = lock.withLock({ outboxes[batch.gateway] }) else { return }
    let outcome = outbox.offer(
      batch, policy: policy, graceMilliseconds: slowConsumerGraceMilliseconds,
      closing: { closing.load(ordering: .relaxed) },
      waited: { counts.backPressureWaits.add(1, ordering: .relaxed) }, wakeThread: wake)
    switch outcome {
    case .queued, .discarded:
      break
    case .dropped(let cutOffNow):
      counts.countDrop(of: batch, at: outbox.gatewayID)
      if cutOffNow {
        counts.cutOffs.add(1, ordering: .relaxed)
        logger.warning(
          """
          a gateway stayed full for the whole slowConsumerGraceMilliseconds: its batches are \
          dropped until it reads again, then it gets gap notices
          """,
          metadata: ["gateway": "\(batch.gateway)"])
      }
    }
  }

  /// Opens the outbox of a new session.
  func open(_ outbox: GatewayOutbox) {
    lock.withLock { outboxes[outbox.gateway] = outbox }
  }

  /// Closes a session's outbox: batches for it are discarded from now on.
  func close(_ gateway: GatewayNumber) {
    let outbox = lock.withLock { outboxes.removeValue(forKey: gateway) }
    outbox?.close()
  }

  /// Stops waiting for full gateways: the daemon is closing.
  func closeAll() {
    closing.store(true, ordering: .relaxed)
    for outbox in lock.withLock({ Array(outboxes.values) }) { outbox.wakeWaiters() }
  }

  /// Counts a batch (or gap notice) the gateway thread sent.
  func countSent(recipients: Int) {
    counts.batchesSent.add(1, ordering: .relaxed)
    counts.recipientsSent.add(UInt64(recipients), ordering: .relaxed)
  }
}

/// What went through the gateway outboxes since start, for `/metrics` and tests.
///
/// `@unchecked Sendable`: the counters are atomics; the drops by gateway are under `dropLock`.
final class GatewayCounts: @unchecked Sendable {
  struct Totals: Sendable {
    var batchesSent: UInt64
    var recipientsSent: UInt64
    var batchesDropped: UInt64
    var recipientsDropped: UInt64
    var cutOffs: UInt64
    var backPressureWaits: UInt64
  }

  /// Gateway sessions in force.
  let sessions = Atomic<Int>(0)
  let batchesSent = Atomic<UInt64>(0)
  let recipientsSent = Atomic<UInt64>(0)
  let batchesDropped = Atomic<UInt64>(0)
  let recipientsDropped = Atomic<UInt64>(0)
  let cutOffs = Atomic<UInt64>(0)
  let backPressureWaits = Atomic<UInt64>(0)

  /// Batches and recipients dropped, by `gatewayID`: the metrics' labels.
  private let dropLock = NSLock()
  private var droppedByGateway: [String: (batches: UInt64, recipients: UInt64)] = [:]

  var dropsByGateway: [String: (batches: UInt64, recipients: UInt64)] {
    dropLock.withLock { droppedByGateway }
  }

  /// Counts a dropped batch (a slow path: the gateway is cut off).
  func countDrop(of batch: GatewayBatch, at gatewayID: String) {
    batchesDropped.add(1, ordering: .relaxed)
    recipientsDropped.add(UInt64(batch.recipientCount), ordering: .relaxed)
    dropLock.withLock {
      droppedByGateway[gatewayID, default: (0, 0)].batches += 1
      droppedByGateway[gatewayID, default: (0, 0)].recipients += UInt64(batch.recipientCount)
    }
  }

  var totals: Totals {
    Totals(
      batchesSent: batchesSent.load(ordering: .relaxed),
      recipientsSent: recipientsSent.load(ordering: .relaxed),
      batchesDropped: batchesDropped.load(ordering: .relaxed),
      recipientsDropped: recipientsDropped.load(ordering: .relaxed),
      cutOffs: cutOffs.load(ordering: .relaxed),
      backPressureWaits: backPressureWaits.load(ordering: .relaxed))
  }
}
