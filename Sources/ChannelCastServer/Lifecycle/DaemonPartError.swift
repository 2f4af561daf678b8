import ChannelCastStorage
import ZeroMQ

/// Why a part of the daemon stopped serving without being asked to: what `channelcastd` logs
/// before it exits 1, once the other parts have stopped.
enum DaemonPartError: Error, CustomStringConvertible {
  /// The journal refused a write: the replies and deliveries of what it could not keep were not
  /// sent.
  case journalNotWritten(StorageError)
  /// The command socket failed.
  case commandSocketFailed(ZMQError)
  /// The ZAP handler's socket failed; it stays bound and unanswered, so that libzmq admits no
  /// one, until the daemon has stopped.
  case authenticationFailed(ZMQError)
  /// The gateway socket failed.
  case gatewaySocketFailed(String)
  /// Cluster mode: the cluster's log refused a record, fenced one off, or could not be read;
  /// the node's state may hold what the log does not, so it stops (the others take its
  /// partitions over; a restart rebuilds its state from the log).
  case clusterLogFailed(String)
  /// A part's thread ended although nothing failed and no one asked it to stop.
  case endedUnexpectedly(String)

  var description: String {
    switch self {
    case .journalNotWritten(let error):
      "cannot write the journal (\(error)); stopped without acknowledging what it does not hold"
    case .commandSocketFailed(let error):
      "the command socket failed: \(error)"
    case .authenticationFailed(let error):
      "the ZAP handler failed (\(error)); stopped rather than serve unauthenticated clients"
    case .gatewaySocketFailed(let reason):
      "the gateway socket failed: \(reason)"
    case .clusterLogFailed(let reason):
      "the cluster's log failed (\(reason)); stopped without acknowledging what it does not hold"
    case .endedUnexpectedly(let part):
      "the \(part) stopped by itself"
    }
  }
}
