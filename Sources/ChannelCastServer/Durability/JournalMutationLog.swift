import ChannelCastCore
import ChannelCastStorage
import Logging

/// The service's mutation log, kept in the data directory's journal.
///
/// A journal that cannot be written stops the daemon: the replies and deliveries of the
/// records it could not write have not gone out yet, so stopping loses nothing acknowledged,
/// whereas going on would acknowledge changes a restart forgets. The first failed commit is
/// kept as `failure` and thrown to the service, which from then on lets nothing out; the
/// journal itself refuses every later commit.
///
/// Ownership: the command thread (like the service that calls it).
final class JournalMutationLog: MutationLog {
  let journal: Journal
  private let logger: Logger
  /// The write the journal refused; nil while it writes.
  private(set) var failure: StorageError?
  /// Numbers the records for the event feed and publishes them once committed.
  let eventFeed: EventFeedRecorder

  init(journal: Journal, logger: Logger, eventFeed: EventFeedRecorder) {
    self.journal = journal
    self.logger = logger
    self.eventFeed = eventFeed
  }

  func append(_ record: JournalRecord) {
    journal.append(type: record.type) { record.encode(into: &$0) }
    eventFeed.appended(record)
  }

  func commit() throws {
    if let failure { throw failure }
    // A snapshot's rotation commits too: the feed's records it committed go out here.
    guard journal.hasUncommittedRecords || eventFeed.hasUncommitted else { return }
    do {
      try journal.commit()
      eventFeed.committed()
    } catch {
      failure = error
      eventFeed.commitFailed()
      logger.critical(
        "cannot write the journal; stopping without acknowledging what it does not hold",
        metadata: ["error": "\(error)"])
      throw error
    }
  }
}
