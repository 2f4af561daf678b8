/// Where the service writes down every record before its effects show outside the process: the
/// daemon's journal.
///
/// Ownership: called only on the service's thread (the command thread).
public protocol MutationLog: AnyObject {
  /// Adds a record the service decided and is about to apply.
  func append(_ record: JournalRecord)
  /// Makes the records appended so far as durable as the log's policy promises (at least in
  /// the operating system). The service calls it before any effect of those records leaves the
  /// process: before deliveries go to the fan-out and before replies go to clients. Once it
  /// throws, the service commits nothing more and lets nothing more out.
  func commit() throws
}

/// A log whose records take their place in an order shared with other nodes (a cluster's): a
/// record's deliveries must leave only once the node has applied the log up to it, after the
/// entries before it (among them changes of the users this node delivers to).
public protocol OrderedMutationLog: MutationLog {
  /// The position of the last record the last `commit()` appended; nil when it appended none.
  var lastCommitPosition: UInt64? { get }
}
