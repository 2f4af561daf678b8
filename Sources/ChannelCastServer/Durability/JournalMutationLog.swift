import ChannelCastCore
import ChannelCastStorage
import Logging

/// The service's mutation log, kept in the data directory's journal.
///
/// A journal that cannot be written stops the daemon: the replies and deliveries of the
/// records it could not write have not gone out yet, so stopping loses nothing acknowledged,
/// whereas going on would acknowledge changes a restart forgets. The first failed commit is
/// kept as `failure`, `withholdDeliveries` is called before `commit()` returns (so that the
/// deliveries the service hands to the fan-out next never leave the process), and nothing is
/// committed afterwards; the command thread sees `failure` at the end of the run and stops
/// without sending the run's replies.
///
/// Ownership: the command thread (like the service that calls it).
final class JournalMutationLog: MutationLog {
  let journal: Journal
  private let logger: Logger
  private let withholdDeliveries: @Sendable () -> Void
  /// The write the journal refused; nil while it writes.
  private(set) var failure: StorageError?
  /// Numbers the records for the event feed and publishes them once committed.
  let eventFeed: EventFeedRecorder

  init(
    journal: Journal, logger: Logger, eventFeed: EventFeedRecorder,
    withholdDeliveries: @escaping @Sendable () -> Void
  ) {
    self.journal = journal
    self.logger = logger
    self.eventFeed = eventFeed
    self.withholdDeliveries = withholdDeliveries
  }

  func append(_ record: JournalRecord) {
    journal.append(type: record.type) { record.encode(into: &$0) }
    eventFeed.appended(record)
  }

  func commit() {
    // A snapshot's rotation commits too: the feed's records it committed go out here.
    guard failure == nil, journal.hasUncommittedRecords || eventFeed.hasUncommitted else { return }
    do {
      try journal.commit()
      eventFeed.committed()
    } catch {
      failure = error
      eventFeed.commitFailed()
      withholdDeliveries()
      logger.critical(
        "cannot write the journal; stopping without acknowledging what it does not hold",
        metadata: ["error": "\(error)"])
    }
  }
}
