import ChannelCastProtocol

/// Appending the fields of journal and snapshot records: little-endian integers, LEB128
/// varints, and length-prefixed byte strings.
extension [UInt8] {
  mutating func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  /// An unsigned LEB128 varint: seven bits a byte, low bits first.
  mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    append(UInt8(value))
  }

  mutating func appendVarint(_ value: Int) {
    appendVarint(UInt64(value))
  }

  /// A signed value as a zigzag varint, so that small negative numbers stay short.
  mutating func appendSignedVarint(_ value: Int64) {
    appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
  }

  mutating func appendLengthPrefixed<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
    appendVarint(bytes.count)
    append(contentsOf: bytes)
  }

  mutating func appendLengthPrefixed(_ string: String) {
    var string = string
    string.withUTF8 { appendLengthPrefixed($0) }
  }

  mutating func appendLengthPrefixed(_ string: ByteString) {
    appendLengthPrefixed(string.bytes)
  }

  mutating func appendBool(_ value: Bool) {
    append(value ? 1 : 0)
  }
}
