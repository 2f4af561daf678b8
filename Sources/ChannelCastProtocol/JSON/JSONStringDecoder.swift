/// Resolves the escapes of a string the parser has already validated, producing its UTF-8 bytes.
enum JSONStringDecoder {
  /// The decoded UTF-8 bytes of the string contents in `range` of `input` (quotes excluded).
  static func decode(_ input: UnsafeBufferPointer<UInt8>, contents range: Range<Int>) -> [UInt8] {
    var decoded: [UInt8] = []
    decoded.reserveCapacity(range.count)
    var position = range.lowerBound
    var runStart = position
    while position < range.upperBound {
      guard input[position] == UInt8(ascii: "\\") else {
        position += 1
        continue
      }
      decoded.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<position]))
      position = appendEscape(at: position, of: input, to: &decoded)
      runStart = position
    }
    decoded.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<position]))
    return decoded
  }

  /// Appends the bytes of the validated escape starting at the backslash at `position`, and
  /// returns the position just after it (after both halves of a surrogate pair).
  private static func appendEscape(
    at position: Int,
    of input: UnsafeBufferPointer<UInt8>,
    to decoded: inout [UInt8]
  ) -> Int {
    let escaped = input[position + 1]
    switch escaped {
    case UInt8(ascii: "u"): break
    case UInt8(ascii: "b"): decoded.append(0x08)
    case UInt8(ascii: "f"): decoded.append(0x0C)
    case UInt8(ascii: "n"): decoded.append(0x0A)
    case UInt8(ascii: "r"): decoded.append(0x0D)
    case UInt8(ascii: "t"): decoded.append(0x09)
    default: decoded.append(escaped)  // '"', '\\' and '/' stand for themselves
    }
    guard escaped == UInt8(ascii: "u") else { return position + 2 }
    let unit = UInt32(unicodeEscapeValue(in: input, at: position + 2)!)
    guard (0xD800...0xDBFF).contains(unit) else {
      appendUTF8(of: unit, to: &decoded)
      return position + 6
    }
    let low = UInt32(unicodeEscapeValue(in: input, at: position + 8)!)
    appendUTF8(of: 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &decoded)
    return position + 12
  }

  /// The value of the four hexadecimal digits at `position` of a `\u` escape, or nil if there
  /// are fewer than four or one is not a hexadecimal digit.
  static func unicodeEscapeValue(in input: UnsafeBufferPointer<UInt8>, at position: Int) -> UInt16?
  {
    guard position + 4 <= input.count else { return nil }
    var value: UInt16 = 0
    for byte in input[position..<(position + 4)] {
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: return nil
      }
      value = value << 4 | UInt16(digit)
    }
    return value
  }

  private static func appendUTF8(of scalar: UInt32, to decoded: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      decoded.append(UInt8(scalar))
    case 0x80..<0x800:
      decoded.append(UInt8(0xC0 | scalar >> 6))
      decoded.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      decoded.append(UInt8(0xE0 | scalar >> 12))
      decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      decoded.append(UInt8(0x80 | scalar & 0x3F))
    default:
      decoded.append(UInt8(0xF0 | scalar >> 18))
      decoded.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      decoded.append(UInt8(0x80 | scalar & 0x3F))
    }
  }
}
