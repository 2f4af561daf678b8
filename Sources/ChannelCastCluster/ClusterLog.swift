import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS

/// A cluster node's side of the replicated log: one JetStream stream holding every partition's
/// entries (claims, releases, and the records channel partitions' owners sequence), read by
/// every node in the stream's order.
///
/// As the service's `MutationLog` it publishes the records the node decided for the channel
/// partitions it serves, each stamped with the node's term (its identity and epoch), and
/// returns from `commit()` only once the stream has acknowledged every one and the node has
/// read each back in log order and found that it takes effect (no takeover fenced it off): only
/// then do the run's replies and deliveries leave the process. The node applied its records
/// when it decided them; reading them back it only checks them.
///
/// Everything else it reads (other nodes' records, claims, releases) is applied in log order by
/// `applyAvailable(to:)`, through the same `PartitionLedger` rule on every node, and changes
/// which partitions this node serves when its own claims and releases take effect.
///
/// A node identifies itself in the log by its name and an instance number drawn at start
/// (`name/instance`), so that a node restarted under the same name does not take its former
/// self's terms for its own: it claims them anew.
///
/// Ownership: the command thread, which decides, commits and applies; the reader runs a thread
/// of its own (`ClusterLogReader`).
public final class ClusterLog: OrderedMutationLog {
  public struct Settings: Sendable {
    public var streamName = "CHANNELCAST_LOG"
    /// The stream's subjects: `<subjectPrefix>.channels.<partition>`, `.users.<partition>`.
    public var subjectPrefix = "channelcast.log"
    public var nodeName: String
    public var partitions: ClusterPartitions
    public var replicas = 1
    /// How long a commit keeps publishing a record again (under the same message ID, which the
    /// stream's duplicate window drops if the first made it) while no stream leader answers,
    /// and waits for reading it back, before it gives up and the node stops.
    public var publishPatienceMilliseconds: Int64 = 60_000
    /// How long a commit waits for the acknowledgements of its records published together,
    /// before it publishes those still unanswered again one at a time.
    public var batchAcknowledgementMilliseconds: Int64 = 5000

    public init(nodeName: String, partitions: ClusterPartitions) {
      self.nodeName = nodeName
      self.partitions = partitions
    }
  }

  /// A partition this node serves, with the epoch of its term.
  public typealias Term = (partition: Int, epoch: UInt64)

  public let settings: Settings
  /// This node in the log: `name/instance`.
  public let identity: String
  let connection: NATSConnection
  let publisher: StreamPublisher
  let reader: ClusterLogReader

  /// Owners of the channel partitions, as read so far (in log order, ahead of what is applied).
  public internal(set) var channelLedger = PartitionLedger()
  /// Owners of the user partitions, as read so far.
  public internal(set) var userLedger = PartitionLedger()
  /// The channel partitions this node decides for, by partition: its claim took effect (and
  /// was applied), and it has not released them.
  public internal(set) var servedChannelPartitions: [Int: UInt64] = [:]
  /// The user partitions this node delivers to.
  public internal(set) var servedUserPartitions: [Int: UInt64] = [:]
  /// Told, on the command thread, the user partitions served after each change.
  public var userPartitionsChanged: ((Set<Int>) -> Void)?
  /// A user partition this node claimed at stream sequence `at`: the messages `from` (an
  /// identity) may not have handed to the partition's users are to be sent again: those after
  /// `handedOverThrough` when `from` released the partition (or the partition never had an
  /// owner: 0, `from` this node), after the last watermark `from` wrote when it was taken
  /// from it.
  public struct Takeover: Sendable, Equatable {
    public let partition: Int
    public let from: String
    public let at: UInt64
    public let handedOverThrough: UInt64?
  }
  /// Told, on the command thread, of this node's claims of user partitions (except those it
  /// held already), once for each run of such claims in the log, before the entry after them
  /// is applied (so that what is sent again reaches the users before the messages after the
  /// takeover).
  public var userPartitionsTakenOver: (([Takeover]) -> Void)?
  /// Takeovers applied and not yet told.
  var takeoversToTell: [Takeover] = []

  /// The stream sequence of the last entry read, and of the last one applied.
  public internal(set) var readSequence: UInt64 = 0
  public internal(set) var appliedSequence: UInt64 = 0
  /// Entries the stream held after the last one read, when it was sent.
  var pendingAtLastRead: UInt64 = 0
  /// Entries of the stream this node has not applied yet (as of the last entry read): the
  /// replication lag.
  public var entriesBehind: UInt64 { readSequence + pendingAtLastRead - appliedSequence }
  /// Records that did not apply (a no-op on every node alike), with why, until taken.
  public internal(set) var refusedRecords: [String] = []

  /// Takes the records refused since the last call, for the log.
  public func takeRefusedRecords() -> [String] {
    defer { refusedRecords.removeAll() }
    return refusedRecords
  }

  /// Entries the ledger fenced off (records and releases of an ended term, stale claims).
  public internal(set) var fencedEntries = 0

  /// How far this node's fan-outs got, and the latest messages.
  var progress = FanOutProgress()

  /// The stream sequence up to which this node has handed every message to its users (the
  /// fan-outs of every message up to it have finished).
  public var fannedOutThrough: UInt64 { progress.watermark(applied: appliedSequence) }

  /// The messages of the log after stream sequence `after` and before `before` among the
  /// latest ones applied, in the order they were applied.
  public func recentMessages(after: UInt64, before: UInt64) -> [JournalRecord.SentMessage] {
    progress.messages(after: after, before: before)
  }

  var appended: [JournalRecord] = []
  /// The sequences of this node's records acknowledged and not yet read back, ascending.
  var awaitingReadBack: [UInt64] = []
  /// Entries read and not yet applied (read while a commit waited for its own records).
  var unapplied: [ReadEntry] = []
  var published: UInt64 = 0
  /// The identity that last released each user partition (until it is claimed again), and
  /// the sequence it handed the partition over through.
  var releasedBy: [Int: (node: String, handedOverThrough: UInt64)] = [:]
  /// The epoch of the last claim this node appended, by partition.
  var claimsAppended: [ClaimKey: (epoch: UInt64, at: ContinuousClock.Instant)] = [:]
  /// Claims of this node that took over a partition another node had (not a first claim).
  public internal(set) var takeovers = 0

  struct ClaimKey: Hashable {
    let space: LogEntry.Space
    let partition: Int
  }

  /// An entry as read, in log order: whether it takes effect, and whether it is one of this
  /// node's records (applied when it was decided).
  struct ReadEntry {
    let entry: LogEntry
    let sequence: UInt64
    let takesEffect: Bool
    let isOwnRecord: Bool
    /// For a claim: the partition's owner before it.
    let previousOwner: String?

    var isUserClaim: Bool {
      if case .claim = entry.content { entry.space == .users } else { false }
    }
  }

  /// Creates the stream if it does not exist and starts reading it from the beginning, or
  /// after the snapshot `position` (whose service state the caller loaded); `onAvailable` is
  /// called from the reader's thread when entries arrive.
  public init(
    connection: NATSConnection, settings: Settings,
    startingAfter position: ClusterSnapshot.Position? = nil,
    onAvailable: @escaping @Sendable () -> Void = {}
  ) throws(NATSError) {
    self.connection = connection
    self.settings = settings
    var random = SystemRandomNumberGenerator()
    identity = "\(settings.nodeName)/\(String(random.next() as UInt64, radix: 36))"
    var configuration = StreamConfiguration(
      name: settings.streamName, subjects: ["\(settings.subjectPrefix).>"])
    configuration.replicas = settings.replicas
    // Longer than a commit's patience: a record published again is still recognised.
    configuration.duplicateWindowMilliseconds = max(
      120_000, 2 * settings.publishPatienceMilliseconds)
    try connection.addStream(configuration)
    publisher = try StreamPublisher(connection: connection)
    if let position {
      channelLedger = PartitionLedger(terms: position.channelTerms)
      userLedger = PartitionLedger(terms: position.userTerms)
      releasedBy = position.releasedBy
      progress = FanOutProgress(recent: position.recentMessages)
      readSequence = position.logSequence
      appliedSequence = position.logSequence
    }
    reader = try ClusterLogReader(
      connection: connection, stream: settings.streamName, subject: "\(settings.subjectPrefix).>",
      startSequence: readSequence + 1, onAvailable: onAvailable)
  }

  /// The snapshot of the log as applied now, with `service`'s state (which must be the state
  /// this log applied to); nil while entries read or records decided are not applied yet
  /// (during a run), when the state is not the log's at any one position.
  public func snapshot(of service: ChannelCastService, takenAtMs: Int64) -> ClusterSnapshot? {
    guard unapplied.isEmpty, appended.isEmpty, awaitingReadBack.isEmpty else { return nil }
    let position = ClusterSnapshot.Position(
      logSequence: appliedSequence, channelTerms: channelLedger.terms,
      userTerms: userLedger.terms, releasedBy: releasedBy,
      recentMessages: progress.recentMessages)
    return ClusterSnapshot(
      position: position, service: service.state.takeSnapshot(takenAtMs: takenAtMs))
  }

  /// The stream's last sequence now (a round trip to the stream's leader).
  public func streamLastSequence() throws(NATSError) -> UInt64 {
    try connection.streamState(settings.streamName).lastSequence
  }

  /// The owner of a channel's partition as read so far, nil while it has none.
  public func owner(ofChannel officialAccountID: ByteString) -> PartitionLedger.Owner? {
    channelLedger.owner(of: settings.partitions.partition(ofChannel: officialAccountID))
  }

  /// Whether this node decides for `officialAccountID`'s partition now.
  public func serves(channel officialAccountID: ByteString) -> Bool {
    servedChannelPartitions[settings.partitions.partition(ofChannel: officialAccountID)] != nil
  }

  // MARK: MutationLog

  public func append(_ record: JournalRecord) {
    // How far this node's fan-outs got is its own business, not the cluster's: it moves the
    // watermark its heartbeats carry.
    if case .messageFannedOut(let id, let seq) = record {
      progress.finished(id, seq: seq)
      return
    }
    if case .channelDeleted(let id) = record { progress.forget(id) }
    appended.append(record)
  }

  /// The sequence of the last record the last commit published; nil when it had none.
  public internal(set) var lastCommitPosition: UInt64?

  public func commit() throws {
    lastCommitPosition = nil
    guard !appended.isEmpty else { return }
    defer { appended.removeAll(keepingCapacity: true) }
    let entries = try appended.map { record in
      let partition = settings.partitions.partition(ofChannel: record.officialAccountID)
      guard let epoch = servedChannelPartitions[partition] else {
        throw ClusterLogError.notServing(partition: partition)
      }
      return LogEntry(partition: partition, node: identity, epoch: epoch, content: .record(record))
    }
    let sequences = try publishInOrder(entries)
    awaitingReadBack += sequences
    lastCommitPosition = sequences.last
    let deadline = ContinuousClock.now + .milliseconds(settings.publishPatienceMilliseconds)
    while !awaitingReadBack.isEmpty {
      guard try read(waitingUntil: deadline) else {
        throw ClusterLogError.notReadBack(
          sequence: awaitingReadBack[0], reading: reader.failure.map { "\($0)" })
      }
    }
  }

  /// Publishes a run's records at once (acknowledgements awaited together), then each one
  /// that was not acknowledged again, in order, under its message ID; returns their sequences.
  /// Throws when they did not land in the order they were decided in: one was stored after a
  /// later one (a failover between them), so the log holds them in another order than this
  /// node applied them.
  func publishInOrder(_ entries: [LogEntry]) throws -> [UInt64] {
    let messages = entries.map { entry in
      published += 1
      return OutgoingStreamMessage(
        subject: subject(of: entry), data: entry.encoded(), messageID: "\(identity)-\(published)")
    }
    let outcomes = publisher.publishAll(
      messages, timeoutMilliseconds: settings.batchAcknowledgementMilliseconds)
    var sequences: [UInt64] = []
    for (message, outcome) in zip(messages, outcomes) {
      let sequence: UInt64
      if case .acknowledged(let acknowledgement) = outcome {
        sequence = acknowledgement.sequence
      } else {
        sequence = try publish(message)
      }
      if let previous = sequences.last, sequence <= previous {
        throw ClusterLogError.outOfOrder(sequence: sequence, after: previous)
      }
      sequences.append(sequence)
    }
    return sequences
  }

  func subject(of entry: LogEntry) -> String {
    "\(settings.subjectPrefix).\(entry.space == .channels ? "channels" : "users").\(entry.partition)"
  }

  /// Publishes an entry and returns its sequence (see `publish(_:)` of a message).
  func publish(_ entry: LogEntry) throws -> UInt64 {
    published += 1
    return try publish(
      OutgoingStreamMessage(
        subject: subject(of: entry), data: entry.encoded(), messageID: "\(identity)-\(published)"))
  }

  /// Publishes a message and returns its sequence, publishing it again under the same message
  /// ID while the stream does not answer, up to the commit's patience.
  func publish(_ message: OutgoingStreamMessage) throws -> UInt64 {
    try connection.publish(
      message.data, subject: message.subject, messageID: message.messageID,
      retryingFor: .milliseconds(settings.publishPatienceMilliseconds)
    ).sequence
  }
}

/// Why a cluster node's log refused a commit: the node must stop serving (its state holds
/// records the log does not).
public enum ClusterLogError: Error, CustomStringConvertible {
  /// A record of a channel partition this node does not serve.
  case notServing(partition: Int)
  /// Another node took the partition over before this node's record: the log ignores it.
  case fencedOff(partition: Int, verdict: String)
  /// A record landed in the log after one this node decided later (a failover between their
  /// publishes): the log holds them in another order than this node applied them.
  case outOfOrder(sequence: UInt64, after: UInt64)
  /// The acknowledged record did not come back from the stream in time (with the last error
  /// reading it met).
  case notReadBack(sequence: UInt64, reading: String?)
  /// The stream's next entry is not the one after the last read: the entries between were
  /// trimmed (after a snapshot) before this node read them.
  case gap(expected: UInt64, found: UInt64)

  public var description: String {
    switch self {
    case .notServing(let partition):
      "a record of channel partition \(partition), which this node does not serve"
    case .fencedOff(let partition, let verdict):
      "another node took channel partition \(partition) over before this node's record "
        + "(\(verdict)): the cluster ignores it"
    case .outOfOrder(let sequence, let after):
      "a record landed at \(sequence), after \(after), which this node decided later"
    case .gap(let expected, let found):
      "the log's next entry is \(found), not \(expected): the entries between were trimmed "
        + "after a snapshot before this node read them; it must start again from the snapshot"
    case .notReadBack(let sequence, let reading):
      "the stream acknowledged record \(sequence) but did not deliver it back in time"
        + (reading.map { " (reading: \($0))" } ?? "")
    }
  }
}
