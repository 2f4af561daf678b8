import ChannelCastCore
import CoreMetrics
import Foundation

/// The bounded hand-over of committed journal records from the command thread to the events
/// publisher's thread.
///
/// When it is full, `offer` never waits: the records that do not fit are dropped and counted,
/// so that a publisher that cannot keep up never holds requests up. Subscribers see the drop as
/// a jump in `logSeq` (docs/protocol.md, Event feed).
///
/// `@unchecked Sendable`: `condition` guards every stored `var`.
final class EventFeedQueue: @unchecked Sendable {
  /// A journaled record waiting to be encoded and published.
  struct Entry: Sendable {
    let logSeq: UInt64
    /// When the daemon journaled the record (Unix milliseconds).
    let timeMs: Int64
    let record: JournalRecord
  }

  /// The most entries waiting at once.
  let capacity: Int
  /// Counts the entries `offer` drops (`channelcast_feed_events_dropped_total`).
  private let droppedEvents: CoreMetrics.Counter?
  private let condition = NSCondition()
  private var entries: [Entry] = []
  private var isClosed = false

  init(capacity: Int, droppedEvents: CoreMetrics.Counter? = nil) {
    precondition(capacity > 0, "a queue needs room for one entry")
    self.capacity = capacity
    self.droppedEvents = droppedEvents
  }

  /// Adds `batch` in order, as much of it as fits; returns how many entries were dropped (the
  /// last ones). Never blocks on the consumer.
  func offer(_ batch: [Entry]) -> Int {
    guard !batch.isEmpty else { return 0 }
    let dropped = condition.withLock {
      let room = max(0, capacity - entries.count)
      let taken = isClosed ? 0 : min(room, batch.count)
      entries.append(contentsOf: batch.prefix(taken))
      if taken > 0 { condition.signal() }
      return batch.count - taken
    }
    if dropped > 0 { droppedEvents?.increment(by: Int64(dropped)) }
    return dropped
  }

  /// Everything waiting, in order: at once if something is, else after waiting up to
  /// `timeoutMilliseconds` for it (empty if nothing came, or once the queue is closed and
  /// empty).
  func takeAll(waitingUpTo timeoutMilliseconds: Int) -> [Entry] {
    condition.withLock {
      let deadline = Date(timeIntervalSinceNow: Double(timeoutMilliseconds) / 1000)
      while entries.isEmpty, !isClosed {
        guard condition.wait(until: deadline) else { break }
      }
      defer { entries = [] }
      return entries
    }
  }

  /// Takes no more entries; those waiting are still handed out.
  func close() {
    condition.withLock {
      isClosed = true
      condition.broadcast()
    }
  }
}
