import ChannelCastCore
import ChannelCastProtocol

/// The cluster's state at one position of its log, as every node has it alike: the service's
/// state (its channels, subscriptions and users), the owners of the partitions, and the latest
/// messages (which a node taking user partitions over sends again). A starting node loads the
/// latest one and reads the log after `logSequence`, instead of reading it from the beginning;
/// the log before it can then be trimmed.
///
/// Layout (little-endian, `LittleEndianWriter`): the magic `CCSNAP`, a version byte (1), the
/// log sequence (8 bytes); the channel, then the user partitions' terms (a count, then
/// partition, epoch and owner each, an empty owner for none); the last release of each user
/// partition not claimed since (a count, then partition, node and the sequence it handed the
/// partition over through); the latest messages (a
/// count, then the stream sequence, journal type and journal body of each); then the service's
/// snapshot records, each a type byte and a length-prefixed body, up to the end.
public struct ClusterSnapshot: Sendable {
  static let magic = Array("CCSNAP".utf8)
  static let version: UInt8 = 1

  /// What the log's reader has besides the service's state.
  public struct Position: Sendable {
    /// The stream sequence of the last entry the snapshot holds.
    public let logSequence: UInt64
    let channelTerms: [PartitionLedger.Term]
    let userTerms: [PartitionLedger.Term]
    let releasedBy: [Int: (node: String, handedOverThrough: UInt64)]
    let recentMessages: [(sequence: UInt64, message: JournalRecord.SentMessage)]
  }

  public let position: Position
  /// The service's state (a snapshot read back is loaded into a state directly, by `load`).
  let service: ServiceSnapshot

  /// The snapshot as stored.
  public func encoded() throws -> [UInt8] {
    var writer = LittleEndianWriter()
    writer.appendRaw(Self.magic)
    writer.append(Self.version)
    writer.append(position.logSequence)
    for terms in [position.channelTerms, position.userTerms] {
      writer.append(UInt32(terms.count))
      for term in terms {
        writer.append(UInt32(term.partition))
        writer.append(term.epoch)
        writer.appendShortString(term.owner ?? "")
      }
    }
    writer.append(UInt32(position.releasedBy.count))
    for (partition, release) in position.releasedBy.sorted(by: { $0.key < $1.key }) {
      writer.append(UInt32(partition))
      writer.appendShortString(release.node)
      writer.append(release.handedOverThrough)
    }
    writer.append(UInt32(position.recentMessages.count))
    for (sequence, message) in position.recentMessages {
      writer.append(sequence)
      let record = JournalRecord.messageSent(message)
      var body: [UInt8] = []
      record.encode(into: &body)
      writer.append(record.type)
      writer.appendLengthPrefixed(body)
    }
    var records = RecordsOutput(writer: writer)
    try service.withoutInFlightMessages().write(to: &records)
    return records.writer.bytes
  }

  /// Loads a snapshot's service records into `state` (empty) and returns the rest of it;
  /// throws `ClusterSnapshotError` for bytes that are not a whole snapshot.
  public static func load(_ bytes: [UInt8], into state: ChannelCastState)
    throws(ClusterSnapshotError) -> Position
  {
    do {
      return try decode(bytes, into: state)
    } catch let error as ClusterSnapshotError {
      throw error
    } catch {
      throw ClusterSnapshotError("\(error)")
    }
  }

  private static func decode(_ bytes: [UInt8], into state: ChannelCastState) throws -> Position {
    var reader = LittleEndianReader(bytes)
    guard Array(try reader.take(magic.count)) == magic else {
      throw ClusterSnapshotError("not a cluster snapshot")
    }
    let version = try reader.integer(UInt8.self)
    guard version == Self.version else {
      throw ClusterSnapshotError(
        "a snapshot of version \(version); this node reads version \(Self.version)")
    }
    let logSequence = try reader.integer(UInt64.self)
    var ledgers: [[PartitionLedger.Term]] = []
    for _ in 0..<2 {
      var terms: [PartitionLedger.Term] = []
      for _ in 0..<(try reader.integer(UInt32.self)) {
        let partition = Int(try reader.integer(UInt32.self))
        let epoch = try reader.integer(UInt64.self)
        let owner = try reader.shortString()
        terms.append(
          .init(partition: partition, epoch: epoch, owner: owner.isEmpty ? nil : owner))
      }
      ledgers.append(terms)
    }
    var releasedBy: [Int: (node: String, handedOverThrough: UInt64)] = [:]
    for _ in 0..<(try reader.integer(UInt32.self)) {
      let partition = Int(try reader.integer(UInt32.self))
      releasedBy[partition] = (try reader.shortString(), try reader.integer(UInt64.self))
    }
    var recent: [(UInt64, JournalRecord.SentMessage)] = []
    for _ in 0..<(try reader.integer(UInt32.self)) {
      let sequence = try reader.integer(UInt64.self)
      let type = try reader.integer(UInt8.self)
      let body = try reader.lengthPrefixed()
      let record = try body.withUnsafeBytes { try JournalRecord.decode(type: type, body: $0) }
      guard case .messageSent(let message) = record else {
        throw ClusterSnapshotError("a latest message that is not one")
      }
      recent.append((sequence, message))
    }
    var loader = SnapshotLoader(into: state)
    while !reader.isAtEnd {
      let type = try reader.integer(UInt8.self)
      let body = try reader.lengthPrefixed()
      try body.withUnsafeBytes { try loader.load(type: type, body: $0) }
    }
    try loader.finish()
    return Position(
      logSequence: logSequence, channelTerms: ledgers[0], userTerms: ledgers[1],
      releasedBy: releasedBy, recentMessages: recent)
  }

  /// Frames the service's snapshot records after the cluster's fields.
  private struct RecordsOutput: SnapshotOutput {
    var writer: LittleEndianWriter

    mutating func append(type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) throws {
      var record: [UInt8] = []
      body(&record)
      writer.append(type.rawValue)
      writer.appendLengthPrefixed(record)
    }
  }
}

/// A stored snapshot that cannot be loaded.
public struct ClusterSnapshotError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
