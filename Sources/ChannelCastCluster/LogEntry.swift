import ChannelCastCore
import ChannelCastProtocol

/// One entry of the cluster's log, as it travels in a JetStream message: a claim or a release of
/// a partition (of channels or of users), or a record a channel partition's owner sequenced,
/// each with the partition, the node and the epoch that `PartitionLedger` fences by.
///
/// Layout (little-endian): version (1 byte, 1), kind (1 byte: 0 claim, 1 record, 2 release),
/// space (1 byte: 0 channel partitions, 1 user partitions), partition (4 bytes), epoch (8
/// bytes), node name length (2 bytes) and its UTF-8 bytes; a record then has its journal type
/// (1 byte) and its journal body, exactly as the journal would hold them.
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

  /// The entry as the ledger reads it.
  var ledgerEntry: PartitionLedger.Entry {
    switch content {
    case .claim: .claim(partition: partition, node: node, epoch: epoch)
    case .record: .record(partition: partition, node: node, epoch: epoch)
    case .release: .release(partition: partition, node: node, epoch: epoch)
    }
  }

  func encoded() -> [UInt8] {
    var bytes: [UInt8] = [Self.version]
    switch content {
    case .claim: bytes.append(0)
    case .record: bytes.append(1)
    case .release: bytes.append(2)
    }
    bytes.append(space.rawValue)
    Self.append(UInt32(partition), to: &bytes)
    Self.append(epoch, to: &bytes)
    let name = Array(node.utf8)
    Self.append(UInt16(name.count), to: &bytes)
    bytes += name
    if case .record(let record) = content {
      bytes.append(record.type)
      record.encode(into: &bytes)
    }
    return bytes
  }

  /// Reads an entry; throws `LogEntryError` for bytes that are not one.
  static func decode(_ bytes: [UInt8]) throws -> LogEntry {
    var position = 0
    func take(_ count: Int) throws -> ArraySlice<UInt8> {
      guard position + count <= bytes.count else { throw LogEntryError("an entry cut short") }
      defer { position += count }
      return bytes[position..<position + count]
    }
    func integer<Value: FixedWidthInteger>(_: Value.Type) throws -> Value {
      try take(MemoryLayout<Value>.size).reversed().reduce(0) { $0 << 8 | Value($1) }
    }
    guard try integer(UInt8.self) == version else { throw LogEntryError("an unknown version") }
    let kind = try integer(UInt8.self)
    guard let space = Space(rawValue: try integer(UInt8.self)) else {
      throw LogEntryError("an unknown partition space")
    }
    let partition = Int(try integer(UInt32.self))
    let epoch = try integer(UInt64.self)
    let nameLength = Int(try integer(UInt16.self))
    let node = String(decoding: try take(nameLength), as: UTF8.self)
    switch kind {
    case 0:
      return LogEntry(
        space: space, partition: partition, node: node, epoch: epoch, content: .claim)
    case 2:
      return LogEntry(
        space: space, partition: partition, node: node, epoch: epoch, content: .release)
    case 1:
      let type = try integer(UInt8.self)
      let body = Array(bytes[position...])
      let record = try body.withUnsafeBytes { try JournalRecord.decode(type: type, body: $0) }
      return LogEntry(partition: partition, node: node, epoch: epoch, content: .record(record))
    default:
      throw LogEntryError("an unknown kind \(kind)")
    }
  }

  private static func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }
}

struct LogEntryError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
