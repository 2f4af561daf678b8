import ChannelCastCore
import NATS

/// Applies a cluster's replicated log to a state, as every node does for every partition:
/// entries in stream order, through the `PartitionLedger`, so that claims decide the owners and
/// only the current owner's records take effect. Two appliers fed the same stream reach the
/// same state.
///
/// Ownership: not Sendable; one thread reads and applies.
public final class ReplicaApplier {
  public private(set) var ledger = PartitionLedger()
  /// The stream sequence of the last entry applied (or ignored).
  public private(set) var appliedSequence: UInt64 = 0
  /// Entries the ledger fenced off (stale claims, records not of the current owner's term).
  public private(set) var ignoredEntries = 0
  private let state: ChannelCastState
  private let reader: OrderedReader

  /// Reads `streamName`'s entries under `subjectPrefix` from the start into `state`.
  public init(
    connection: NATSConnection, streamName: String, subjectPrefix: String,
    state: ChannelCastState
  ) throws(NATSError) {
    self.state = state
    reader = try OrderedReader(
      connection: connection, stream: streamName, subject: "\(subjectPrefix).>")
  }

  /// Applies entries until the stream's `lastSequence` has been applied, or none came for
  /// `timeoutMilliseconds`. Returns whether it caught up.
  public func catchUp(to lastSequence: UInt64, timeoutMilliseconds: Int64 = 5000) throws -> Bool {
    while appliedSequence < lastSequence {
      guard let message = try reader.next(timeoutMilliseconds: timeoutMilliseconds) else {
        return false
      }
      let entry = try LogEntry.decode(message.data)
      switch (ledger.apply(entry.ledgerEntry), entry.content) {
      case (.applies, .record(let record)): try state.apply(record)
      case (.applies, .claim): break
      default: ignoredEntries += 1
      }
      appliedSequence = message.streamSequence
    }
    return true
  }
}
