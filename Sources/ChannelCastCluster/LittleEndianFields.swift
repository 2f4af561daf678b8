/// The fields of what the cluster stores in JetStream (log entries, snapshots): little-endian
/// integers and byte strings with a length before them.
struct LittleEndianWriter {
  private(set) var bytes: [UInt8] = []

  mutating func append<Value: FixedWidthInteger>(_ value: Value) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }

  /// A string of up to 65,535 UTF-8 bytes, after its length in 2 bytes.
  mutating func appendShortString(_ string: String) {
    let utf8 = Array(string.utf8.prefix(Int(UInt16.max)))
    append(UInt16(utf8.count))
    bytes += utf8
  }

  /// Bytes after their length in 4 bytes.
  mutating func appendLengthPrefixed(_ data: [UInt8]) {
    append(UInt32(data.count))
    bytes += data
  }

  mutating func appendRaw(_ data: some Sequence<UInt8>) {
    bytes += data
  }
}

/// Reads what `LittleEndianWriter` wrote; throws `FieldError` at bytes cut short.
struct LittleEndianReader {
  private let bytes: [UInt8]
  private(set) var position = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  var isAtEnd: Bool { position == bytes.count }

  mutating func take(_ count: Int) throws(FieldError) -> ArraySlice<UInt8> {
    guard count >= 0, count <= bytes.count - position else { throw FieldError("cut short") }
    defer { position += count }
    return bytes[position..<position + count]
  }

  mutating func integer<Value: FixedWidthInteger>(_: Value.Type = Value.self)
    throws(FieldError) -> Value
  {
    try take(MemoryLayout<Value>.size).reversed().reduce(0) { $0 << 8 | Value($1) }
  }

  mutating func shortString() throws(FieldError) -> String {
    String(decoding: try take(Int(try integer(UInt16.self))), as: UTF8.self)
  }

  mutating func lengthPrefixed() throws(FieldError) -> [UInt8] {
    Array(try take(Int(try integer(UInt32.self))))
  }

  /// The bytes not read yet.
  mutating func rest() -> [UInt8] {
    defer { position = bytes.count }
    return Array(bytes[position...])
  }
}

/// Bytes that are not what they should be.
struct FieldError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
