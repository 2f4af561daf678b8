import ChannelCastCore
import NATS

/// The replicated log of a cluster node: one JetStream stream holding every channel
/// partition's entries, each partition on its own subject (`<subjectPrefix>.p<partition>`).
///
/// As the service's `MutationLog`, it publishes the records of a run when the service commits
/// them, each stamped with its channel's partition and the node's epoch for it, and returns
/// once the stream has acknowledged every one (a majority of its replicas hold it): only then
/// do the run's replies and deliveries leave the process. A record of a partition this node
/// does not own (no claim of it took effect) makes the commit throw.
///
/// Ownership: the service's thread (the command thread), as the journal is.
public final class PartitionStreamLog: MutationLog {
  public let streamName: String
  public let subjectPrefix: String
  public let node: String
  private let connection: NATSConnection
  private let partitions: ClusterPartitions
  /// This node's epoch for each partition it owns, as its claims took effect.
  private var epochs: [Int: UInt64] = [:]
  private var appended: [JournalRecord] = []
  /// Numbers this node's publishes, for their message IDs (transport retries are dropped by
  /// the stream's dedupe window).
  private var published: UInt64 = 0

  public init(
    connection: NATSConnection, streamName: String, subjectPrefix: String, node: String,
    partitions: ClusterPartitions, replicas: Int
  ) throws(NATSError) {
    self.connection = connection
    self.streamName = streamName
    self.subjectPrefix = subjectPrefix
    self.node = node
    self.partitions = partitions
    var configuration = StreamConfiguration(name: streamName, subjects: ["\(subjectPrefix).>"])
    configuration.replicas = replicas
    try connection.addStream(configuration)
  }

  /// The subject of a partition's entries.
  public func subject(ofPartition partition: Int) -> String {
    "\(subjectPrefix).p\(partition)"
  }

  /// Appends a claim of `partition` for `epoch` (the ledger's next epoch as this node read
  /// it). Whether it took effect is what the log says when read back: `ownershipTookEffect`.
  public func claim(_ partition: Int, epoch: UInt64) throws(NATSError) {
    let entry = LogEntry(partition: partition, node: node, epoch: epoch, content: .claim)
    _ = try publish(entry)
  }

  /// Records that this node's claim of `partition` for `epoch` took effect in the log.
  public func ownershipTookEffect(_ partition: Int, epoch: UInt64) {
    epochs[partition] = epoch
  }

  /// Forgets a partition this node learned it no longer owns.
  public func ownershipEnded(_ partition: Int) {
    epochs[partition] = nil
  }

  public func append(_ record: JournalRecord) {
    appended.append(record)
  }

  public func commit() throws {
    defer { appended.removeAll(keepingCapacity: true) }
    for record in appended {
      let partition = partitions.partition(ofChannel: record.officialAccountID)
      guard let epoch = epochs[partition] else {
        throw LogEntryError("this node does not own partition \(partition)")
      }
      _ = try publish(
        LogEntry(partition: partition, node: node, epoch: epoch, content: .record(record)))
    }
  }

  private func publish(_ entry: LogEntry) throws(NATSError) -> PublishAcknowledgement {
    published += 1
    return try connection.publish(
      entry.encoded(), subject: subject(ofPartition: entry.partition),
      messageID: "\(node)-\(entry.epoch)-\(published)")
  }
}
