/// One RESP2 value from Redis, and the parsing of the wire format: enough for `compare` to load a
/// set, run a script and read a pub/sub stream without a client library.
enum RedisReply: Equatable {
  case status(String)
  case error(String)
  case integer(Int)
  case bulk([UInt8]?)
  case array([RedisReply]?)

  /// Parses the value starting at `position`; nil while it is incomplete.
  static func parse(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) throws -> (
    reply: RedisReply, end: Int
  )? {
    guard position < bytes.count, let (line, next) = line(bytes, after: position) else {
      return nil
    }
    switch bytes[position] {
    case UInt8(ascii: "+"): return (.status(String(decoding: bytes[line], as: UTF8.self)), next)
    case UInt8(ascii: "-"): return (.error(String(decoding: bytes[line], as: UTF8.self)), next)
    case UInt8(ascii: ":"): return (.integer(try integer(bytes, line)), next)
    case UInt8(ascii: "$"):
      let length = try integer(bytes, line)
      guard length >= 0 else { return (.bulk(nil), next) }
      guard next + length + 2 <= bytes.count else { return nil }
      return (.bulk(Array(bytes[next..<next + length])), next + length + 2)
    case UInt8(ascii: "*"):
      let count = try integer(bytes, line)
      guard count >= 0 else { return (.array(nil), next) }
      var elements: [RedisReply] = []
      var end = next
      for _ in 0..<count {
        guard let (element, elementEnd) = try parse(bytes, at: end) else { return nil }
        elements.append(element)
        end = elementEnd
      }
      return (.array(elements), end)
    default:
      throw BenchmarkError("redis: unexpected RESP type byte \(bytes[position])")
    }
  }

  /// Skips one array of bulk strings (a pushed `pmessage`) without copying it, handing element
  /// `index` to `body`; returns the end, or nil while the array is incomplete. The consumer reads
  /// a million of these, so this path allocates nothing.
  static func skipArray(
    _ bytes: UnsafeRawBufferPointer, handing index: Int, to body: (UnsafeRawBufferPointer) -> Void
  ) throws -> Int? {
    guard !bytes.isEmpty, let (line, next) = line(bytes, after: 0) else { return nil }
    guard bytes[0] == UInt8(ascii: "*") else {
      throw BenchmarkError("redis: expected a pushed array, got type byte \(bytes[0])")
    }
    let count = try integer(bytes, line)
    var end = next
    var handed: Range<Int>?
    for element in 0..<max(count, 0) {
      guard end < bytes.count, let (lengthLine, start) = Self.line(bytes, after: end) else {
        return nil
      }
      let length = try integer(bytes, lengthLine)
      guard start + length + 2 <= bytes.count else { return nil }
      if element == index { handed = start..<start + length }
      end = start + length + 2
    }
    if let handed { body(UnsafeRawBufferPointer(rebasing: bytes[handed])) }
    return end
  }

  /// The line after the type byte at `position`, and where the next value starts.
  private static func line(_ bytes: UnsafeRawBufferPointer, after position: Int) -> (
    Range<Int>, Int
  )? {
    var index = position + 1
    while index + 1 < bytes.count {
      if bytes[index] == 13 && bytes[index + 1] == 10 { return (position + 1..<index, index + 2) }
      index += 1
    }
    return nil
  }

  private static func integer(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) throws -> Int {
    var value = 0
    var sign = 1
    for index in line {
      let byte = bytes[index]
      if index == line.lowerBound && byte == UInt8(ascii: "-") {
        sign = -1
      } else if byte >= 48 && byte <= 57 {
        value = value * 10 + Int(byte - 48)
      } else {
        throw BenchmarkError("redis: malformed integer in a reply")
      }
    }
    return sign * value
  }
}
