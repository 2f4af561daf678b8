/// The records of a fuzz input in the journal target's own light framing: a type byte, the
/// body's length as a LEB128 varint, then the body. No checksum, so that every mutation the
/// fuzzer makes reaches the record decoders (a journal file's CRC-32C would refuse almost all).
/// A record cut short ends the list.
struct FramedRecords: Sequence, IteratorProtocol {
  private var rest: Slice<UnsafeBufferPointer<UInt8>>

  init(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
    rest = bytes
  }

  mutating func next() -> (type: UInt8, body: [UInt8])? {
    guard let type = rest.popFirst() else { return nil }
    var length = 0
    var shift = 0
    while true {
      guard let byte = rest.popFirst(), shift < 28 else { return nil }
      length |= Int(byte & 0x7F) << shift
      if byte < 0x80 { break }
      shift += 7
    }
    guard length <= rest.count else { return nil }
    defer { rest = rest.dropFirst(length) }
    return (type, Array(rest.prefix(length)))
  }

  /// `records` in this framing, after `mode` (the first byte of an input).
  static func encode(mode: UInt8, _ records: [(type: UInt8, body: [UInt8])]) -> [UInt8] {
    var bytes = [mode]
    for record in records {
      bytes.append(record.type)
      var length = record.body.count
      while length >= 0x80 {
        bytes.append(UInt8(length & 0x7F) | 0x80)
        length >>= 7
      }
      bytes.append(UInt8(length))
      bytes += record.body
    }
    return bytes
  }
}
