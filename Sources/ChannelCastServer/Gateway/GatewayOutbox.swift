import ChannelCastCore
import ChannelCastProtocol
import Foundation

/// The batches of one gateway session between the shards and the `cc-gateway` thread, which
/// alone sends on the gateway socket; and, under `drop`, what the gateway missed.
///
/// Bounded by `capacity` batches. A shard that finds it full waits on the condition, for good
/// under `block`; under `drop`, for at most the grace, after which the gateway is *cut off*: the
/// batches for it are dropped at once, and each channel's missed seqs and recipients are kept
/// for a `gap` notice, until the thread has sent half the outbox (the gateway reads again).
/// The thread then queues the gap notices behind what the outbox held, so that a gateway gets,
/// in order: what it was sent before, the gaps, what came after.
///
/// Ownership: every field is read and written under `condition`'s lock, by the shards (`offer`)
/// and the gateway thread (`front`, `removeFront`, `close`). The wait holds no other lock: a
/// shard waiting for one gateway holds up no other gateway's batches already queued.
final class GatewayOutbox: @unchecked Sendable {
  /// What the gateway thread sends the gateway, in order.
  enum Item {
    /// A batch or a gap notice: envelope and recipients.
    case batch(envelope: SharedBytes, recipients: [UInt8], recipientCount: Int)
    /// The reply to one of its requests.
    case reply([UInt8])
  }

  /// What the gateway missed of one channel while cut off.
  private struct Gap {
    var fromSeq: UInt64
    var toSeq: UInt64
    var recipients: Set<ByteString> = []
  }

  enum Offered {
    case queued
    /// Dropped: the gateway is cut off (now, after the grace, or before).
    case dropped(cutOffNow: Bool)
    /// The session ended or the daemon is closing: the batch has nowhere to go.
    case discarded
  }

  let gateway: GatewayNumber
  /// The session's `gatewayID`, for the drop counts by gateway.
  let gatewayID: String
  let routingID: [UInt8]
  let capacity: Int
  private let batchMaxUsers: Int
  private let condition = NSCondition()
  private var items: [Item] = []
  private var head = 0
  private var isClosed = false
  private var isCutOff = false
  private var gaps: [ByteString: Gap] = [:]

  init(
    gateway: GatewayNumber, gatewayID: String, routingID: [UInt8], capacity: Int,
    batchMaxUsers: Int
  ) {
    self.gateway = gateway
    self.gatewayID = gatewayID
    self.routingID = routingID
    self.capacity = capacity
    self.batchMaxUsers = batchMaxUsers
  }

  /// Queues `batch`, waiting while the outbox is full as `policy` says; `wakeThread` is called
  /// when the outbox was empty (the gateway thread may be asleep).
  func offer(
    _ batch: GatewayBatch, policy: SlowConsumerPolicy, graceMilliseconds: Int,
    closing: () -> Bool, waited: () -> Void, wakeThread: () -> Void
  ) -> Offered {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date(timeIntervalSinceNow: Double(graceMilliseconds) / 1000)
    while true {
      if isClosed || closing() { return .discarded }
      if isCutOff {
        recordGap(batch)
        return .dropped(cutOffNow: false)
      }
      if items.count - head < capacity {
        if items.count == head { wakeThread() }
        items.append(
          .batch(
            envelope: batch.envelope, recipients: batch.recipients,
            recipientCount: batch.recipientCount))
        return .queued
      }
      switch policy {
      case .block:
        // Woken when the thread sends one; looks at `closing` every 100 ms meanwhile.
        _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        waited()
      case .drop:
        if Date() >= deadline {
          isCutOff = true
          recordGap(batch)
          return .dropped(cutOffNow: true)
        }
        _ = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.1)))
        waited()
      }
    }
  }

  /// Queues a reply behind what the gateway was sent before (never refused: a gateway gets the
  /// reply to each request it makes, whatever its backlog). Returns false once closed.
  func queueReply(_ reply: [UInt8]) -> Bool {
    condition.withLock {
      guard !isClosed else { return false }
      items.append(.reply(reply))
      return true
    }
  }

  /// The oldest item, which the gateway thread tries to send; nil when empty.
  func front() -> Item? {
    condition.withLock { head < items.count ? items[head] : nil }
  }

  /// Forgets the oldest item (sent). Once a cut-off gateway has taken half the outbox, queues
  /// its gap notices and lets batches in again.
  func removeFront() {
    condition.withLock {
      head += 1
      if head == items.count {
        items.removeAll(keepingCapacity: true)
        head = 0
      } else if head >= 1024 && head * 2 >= items.count {
        items.removeFirst(head)
        head = 0
      }
      if isCutOff && items.count - head <= capacity / 2 {
        queueGaps()
        isCutOff = false
      }
      condition.broadcast()
    }
  }

  /// The session ended: waiting shards give up, later batches are discarded.
  func close() {
    condition.withLock {
      isClosed = true
      items.removeAll()
      head = 0
      gaps.removeAll()
      condition.broadcast()
    }
  }

  /// Wakes shards waiting on this outbox so they look at the daemon's `closing` flag.
  func wakeWaiters() {
    condition.withLock { condition.broadcast() }
  }

  private func recordGap(_ batch: GatewayBatch) {
    let id = batch.mark.officialAccountID
    var gap = gaps[id] ?? Gap(fromSeq: batch.mark.seq, toSeq: batch.mark.seq)
    gap.fromSeq = min(gap.fromSeq, batch.mark.seq)
    gap.toSeq = max(gap.toSeq, batch.mark.seq)
    if let userIDs = GatewayRecipients.userIDs(in: batch.recipients) {
      gap.recipients.formUnion(userIDs)
    }
    gaps[id] = gap
  }

  /// Turns the recorded gaps into `gap` items, `batchMaxUsers` recipients each at most.
  private func queueGaps() {
    for (id, gap) in gaps.sorted(by: { $0.key < $1.key }) {
      let envelope = SharedBytes(
        Envelope.gap(officialAccountID: id, fromSeq: gap.fromSeq, toSeq: gap.toSeq))
      let users = gap.recipients.sorted()
      for start in stride(from: 0, to: users.count, by: batchMaxUsers) {
        var recipients: [UInt8] = []
        let chunk = users[start..<min(start + batchMaxUsers, users.count)]
        for user in chunk { GatewayRecipients.append(user.bytes, to: &recipients) }
        items.append(
          .batch(envelope: envelope, recipients: recipients, recipientCount: chunk.count))
      }
    }
    gaps.removeAll()
  }
}
