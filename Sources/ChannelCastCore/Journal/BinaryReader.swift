import ChannelCastProtocol

/// Reads the fields of one journal or snapshot record, in the order `BinaryWriting` appended
/// them. Every read checks the bounds: a record that ends early or holds an impossible value is
/// a `RecordDecodingError`, never a crash.
public struct BinaryReader {
  private let bytes: UnsafeRawBufferPointer
  private var position = 0

  /// Reads `bytes`, which must stay valid while the reader is used.
  public init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  public var isAtEnd: Bool { position == bytes.count }

  /// Bytes not read yet.
  public var remaining: Int { bytes.count - position }

  mutating func readLittleEndian<Integer: FixedWidthInteger>(_: Integer.Type = Integer.self)
    throws(RecordDecodingError) -> Integer
  {
    let size = MemoryLayout<Integer>.size
    guard bytes.count - position >= size else { throw .truncated }
    var value = Integer.zero
    withUnsafeMutableBytes(of: &value) {
      $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[position..<position + size]))
    }
    position += size
    return Integer(littleEndian: value)
  }

  mutating func readByte() throws(RecordDecodingError) -> UInt8 {
    guard position < bytes.count else { throw .truncated }
    defer { position += 1 }
    return bytes[position]
  }

  mutating func readVarint() throws(RecordDecodingError) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let byte = try readByte()
      guard shift < 64 else { throw .invalid("a varint longer than 64 bits") }
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
  }

  /// A varint that must fit in an `Int` no larger than `maximum`.
  mutating func readCount(maximum: Int = Int(Int32.max)) throws(RecordDecodingError) -> Int {
    let value = try readVarint()
    guard value <= UInt64(maximum) else { throw .invalid("a count of \(value)") }
    return Int(value)
  }

  mutating func readSignedVarint() throws(RecordDecodingError) -> Int64 {
    let value = try readVarint()
    return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
  }

  /// A seq, at most `Int64.max`: the service counts on taking the next one, and a client can
  /// ask for any of them (`afterSeq` is an `Int`).
  mutating func readSeq() throws(RecordDecodingError) -> UInt64 {
    let seq = try readVarint()
    guard seq <= UInt64(Int64.max) else { throw .invalid("a seq of \(seq)") }
    return seq
  }

  /// A Unix time (in milliseconds or seconds) within 2^53 of 1970, about 285,000 years: the
  /// service adds durations to times without overflowing.
  mutating func readTime() throws(RecordDecodingError) -> Int64 {
    let time = try readSignedVarint()
    guard time.magnitude <= Self.timeMagnitudeLimit else { throw .invalid("a time of \(time)") }
    return time
  }

  private static let timeMagnitudeLimit: UInt64 = 1 << 53

  /// JSON text: a message payload (any value) or an encoded history entry (an object), which
  /// the service sends and replies with as they are.
  mutating func readJSON(object: Bool) throws(RecordDecodingError) -> [UInt8] {
    let bytes = try readBytes()
    guard let value = try? JSONParser.parseValue(bytes), !object || value.kind == .object else {
      throw .invalid(object ? "an entry that is not a JSON object" : "a payload that is not JSON")
    }
    return bytes
  }

  mutating func readBool() throws(RecordDecodingError) -> Bool {
    switch try readByte() {
    case 0: return false
    case 1: return true
    case let other: throw .invalid("a boolean byte \(other)")
    }
  }

  mutating func readBytes() throws(RecordDecodingError) -> [UInt8] {
    let count = try readCount()
    guard bytes.count - position >= count else { throw .truncated }
    defer { position += count }
    return Array(bytes[position..<position + count])
  }

  /// A channel ID that keeps the data model's rules, as every ID the service journals does.
  mutating func readOfficialAccountID() throws(RecordDecodingError) -> ByteString {
    try readIdentifier { id throws(ChannelCastError) in try FieldValidation.officialAccountID(id) }
  }

  /// A user ID that keeps the data model's rules, as every ID the service journals does.
  mutating func readUserID() throws(RecordDecodingError) -> ByteString {
    try readIdentifier { id throws(ChannelCastError) in try FieldValidation.userID(id) }
  }

  /// IDs are checked because the service relies on their rules: it writes them into replies
  /// as UTF-8, and the user directory keeps at most 64 bytes of one.
  private mutating func readIdentifier(
    _ validate: (ByteString) throws(ChannelCastError) -> Void
  ) throws(RecordDecodingError) -> ByteString {
    let bytes = try readBytes()
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw .invalid("an identifier that is not UTF-8")
    }
    let id = ByteString(bytes)
    do {
      try validate(id)
    } catch {
      throw .invalid("the identifier \(id), which breaks its rule: \(error.message)")
    }
    return id
  }

  mutating func readString() throws(RecordDecodingError) -> String {
    let bytes = try readBytes()
    guard let string = String(validating: bytes, as: UTF8.self) else {
      throw .invalid("a string that is not UTF-8")
    }
    return string
  }
}

/// A record body that does not decode.
public enum RecordDecodingError: Error, Equatable, CustomStringConvertible {
  /// The body ended before the record's last field.
  case truncated
  case invalid(String)
  /// A record type this daemon does not know.
  case unknownType(UInt8)
  /// The body goes on after the record's last field.
  case trailingBytes(Int)

  public var description: String {
    switch self {
    case .truncated: "the record ends before its last field"
    case .invalid(let what): "the record holds \(what)"
    case .unknownType(let type): "unknown record type \(type)"
    case .trailingBytes(let count): "\(count) bytes follow the record's last field"
    }
  }
}
