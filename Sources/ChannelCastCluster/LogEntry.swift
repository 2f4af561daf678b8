import ChannelCastCore
import ChannelCastProtocol

/// One entry of the cluster's log, as it travels in a JetStream message: a claim or a release of
/// a partition (of channels or of users), or a record a channel partition's owner sequenced,
/// each with the partition, the node and the epoch that `PartitionLedger` fences by.
///
/// Layout (little-endian): version (1 byte, 1), kind (1 byte: 0 claim, 1 record, 2 release),
/// space (1 byte: 0 channel partitions, 1 user partitions), partition (4 bytes), epoch (8
/// bytes), node name length (2 bytes) and its UTF-8 bytes; a release then has the sequence
/// its node handed the partition over through (8 bytes), a record its journal type (1 byte)
/// and its journal body, exactly as the journal would hold them.
struct LogEntry: Equatable {
  static let version: UInt8 = 1

  /// Which partitions an entry's partition number counts.
  enum Space: UInt8, Equatable {
    case channels = 0
    case users = 1
  }

  enum Content: Equatable {
    case claim
    case record(JournalRecord)
    case release
  }

  var space: Space = .channels
  let partition: Int
  let node: String
  let epoch: UInt64
  let content: Content
  /// For a release of a user partition: the stream sequence through which the releasing node
  /// handed every message to the partition's users (it delivers nothing to them after it).
  var handedOverThrough: UInt64 = 0

  /// The entry as the ledger reads it.
  var ledgerEntry: PartitionLedger.Entry {
    switch content {
    case .claim: .claim(partition: partition, node: node, epoch: epoch)
    case .record: .record(partition: partition, node: node, epoch: epoch)
    case .release: .release(partition: partition, node: node, epoch: epoch)
    }
  }

  func encoded() -> [UInt8] {
    var writer = LittleEndianWriter()
    writer.append(Self.version)
    switch content {
    case .claim: writer.append(UInt8(0))
    case .record: writer.append(UInt8(1))
    case .release: writer.append(UInt8(2))
    }
    writer.append(space.rawValue)
    writer.append(UInt32(partition))
    writer.append(epoch)
    writer.appendShortString(node)
    if case .release = content { writer.append(handedOverThrough) }
    if case .record(let record) = content {
      writer.append(record.type)
      var body: [UInt8] = []
      record.encode(into: &body)
      writer.appendRaw(body)
    }
    return writer.bytes
  }

  /// Reads an entry; throws `LogEntryError` for bytes that are not one.
  static func decode(_ bytes: [UInt8]) throws -> LogEntry {
    var reader = LittleEndianReader(bytes)
    do {
      guard try reader.integer(UInt8.self) == version else {
        throw LogEntryError("an unknown version")
      }
      let kind = try reader.integer(UInt8.self)
      guard let space = Space(rawValue: try reader.integer(UInt8.self)) else {
        throw LogEntryError("an unknown partition space")
      }
      let partition = Int(try reader.integer(UInt32.self))
      let epoch = try reader.integer(UInt64.self)
      let node = try reader.shortString()
      switch kind {
      case 0:
        return LogEntry(
          space: space, partition: partition, node: node, epoch: epoch, content: .claim)
      case 2:
        return LogEntry(
          space: space, partition: partition, node: node, epoch: epoch, content: .release,
          handedOverThrough: try reader.integer(UInt64.self))
      case 1:
        let type = try reader.integer(UInt8.self)
        let record = try reader.rest().withUnsafeBytes {
          try JournalRecord.decode(type: type, body: $0)
        }
        return LogEntry(partition: partition, node: node, epoch: epoch, content: .record(record))
      default:
        throw LogEntryError("an unknown kind \(kind)")
      }
    } catch let error as FieldError {
      throw LogEntryError("an entry \(error)")
    }
  }
}

struct LogEntryError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
