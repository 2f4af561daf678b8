/// Where the service writes down every change to its state before the change shows outside the
/// process: the daemon's journal.
///
/// Ownership: called only on the service's thread (the command thread).
public protocol MutationLog: AnyObject {
  /// Adds a record of a mutation the service has just made.
  func append(_ record: JournalRecord)
  /// Makes the records appended so far as durable as the log's policy promises (at least in
  /// the operating system). The service calls it before any effect of those records leaves the
  /// process: before deliveries go to the fan-out and before replies go to clients.
  func commit()
}
