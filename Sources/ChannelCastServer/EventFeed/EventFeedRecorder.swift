import ChannelCastCore
import Logging

/// Numbers the records the daemon journals for the event feed and, once they are committed,
/// hands them to the events publisher.
///
/// `logSeq` counts the records the feed publishes (every record but `messageFannedOut`) in
/// journal order, from 1, across restarts: recovery counts them in the snapshot and journals it
/// loads (`RecoveryReport.lastLogSeq`), and every snapshot stores the count at its moment.
/// Records are numbered even while the feed is off, so that turning it on later continues the
/// numbering rather than repeating it.
///
/// Records wait here from `append` until the journal's commit: only what reached the journal
/// is published, and nothing of a failed commit. The queue to the publisher is bounded; what
/// does not fit is dropped, counted and logged, and subscribers see a jump in `logSeq`.
///
/// Ownership: the command thread, through `JournalMutationLog`.
final class EventFeedRecorder {
  /// The `logSeq` of the last record numbered: appended, committed or not.
  private(set) var lastLogSeq: UInt64
  private let queue: EventFeedQueue?
  private let clock: any TimeSource
  private let logger: Logger
  /// Records appended since the last commit, numbered; only when the feed is on.
  private var uncommitted: [EventFeedQueue.Entry] = []
  /// Whether the last hand-over dropped events: a run of drops is logged once, at its start.
  private var isDropping = false

  /// Numbers from `lastLogSeq` + 1; with `queue` nil (the feed off) only counts.
  init(
    lastLogSeq: UInt64, queue: EventFeedQueue?, clock: any TimeSource = SystemTimeSource(),
    logger: Logger
  ) {
    self.lastLogSeq = lastLogSeq
    self.queue = queue
    self.clock = clock
    self.logger = logger
  }

  /// Whether the commit has records to hand over.
  var hasUncommitted: Bool { !uncommitted.isEmpty }

  /// A record was appended to the journal.
  func appended(_ record: JournalRecord) {
    guard record.feedEventType != nil else { return }
    lastLogSeq += 1
    guard queue != nil else { return }
    uncommitted.append(
      EventFeedQueue.Entry(logSeq: lastLogSeq, timeMs: clock.nowMilliseconds(), record: record))
  }

  /// The journal committed the records appended so far: hands them to the publisher.
  func committed() {
    guard let queue, !uncommitted.isEmpty else { return }
    let dropped = queue.offer(uncommitted)
    uncommitted.removeAll(keepingCapacity: true)
    guard dropped > 0 else {
      isDropping = false
      return
    }
    if !isDropping {
      logger.warning(
        """
        the events publisher is behind: dropping events until its queue has room; \
        subscribers see the gap in logSeq
        """,
        metadata: ["queueCapacity": "\(queue.capacity)", "dropped": "\(dropped)"])
    }
    isDropping = true
  }

  /// The journal could not commit: what it did not keep is never published.
  func commitFailed() {
    uncommitted.removeAll()
  }
}
