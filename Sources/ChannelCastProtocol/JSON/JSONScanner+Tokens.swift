// The scanner's handling of the smallest pieces of a document: strings, numbers, literals, and
// the errors that name the byte where a piece went wrong.
extension JSONScanner {
  /// Scans the string whose opening quote is at `position`, validating its UTF-8 and escapes.
  mutating func scanString() throws(JSONSyntaxError) -> JSONScannedValue {
    let start = position
    var hasEscapes = false
    position += 1
    while position < input.count {
      skipPlainASCII()
      guard position < input.count else { break }
      let byte = input[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return JSONScannedValue(
          kind: .string, start: start, end: position, stringHasEscapes: hasEscapes)
      } else if byte == UInt8(ascii: "\\") {
        hasEscapes = true
        try scanEscape(inStringStartingAt: start)
      } else if byte < 0x20 {
        throw JSONSyntaxError(
          offset: position, reason: "control character \(Self.codePointName(byte)) in string")
      } else if let length = JSONUTF8Validation.sequenceLength(in: input, at: position) {
        position += length
      } else {
        throw JSONSyntaxError(offset: position, reason: "invalid UTF-8")
      }
    }
    throw JSONSyntaxError(offset: start, reason: "unterminated string")
  }

  /// Moves past printable ASCII other than the quote and the backslash, the bytes of most
  /// strings: eight at a time while a whole word of them is plain, then one at a time.
  private mutating func skipPlainASCII() {
    let input = input
    var index = position
    while index + 8 <= input.count,
      Self.isPlainASCII(
        UnsafeRawBufferPointer(input).loadUnaligned(fromByteOffset: index, as: UInt64.self))
    {
      index += 8
    }
    while index < input.count {
      let byte = input[index]
      guard byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
      else { break }
      index += 1
    }
    position = index
  }

  /// Whether none of the eight bytes of `word` is a control character, non-ASCII, a quote or a
  /// backslash. A byte-wise test without a loop: `(x - 0x01…) & ~x & 0x80…` is nonzero exactly
  /// when some byte of `x` is zero, and `(x - n…) & ~x & 0x80…` when some byte is below `n`.
  private static func isPlainASCII(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highBits != 0 }
    let nonASCII = word & highBits != 0
    let control = (word &- ones &* 0x20) & ~word & highBits != 0
    let quote = hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\""))))
    let backslash = hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
    return !(nonASCII || control || quote || backslash)
  }

  /// Scans the escape whose backslash is at `position`; a `\u` escape of a UTF-16 high surrogate
  /// must be followed at once by the escape of a low surrogate, together naming one code point.
  private mutating func scanEscape(inStringStartingAt stringStart: Int) throws(JSONSyntaxError) {
    let start = position
    guard position + 1 < input.count else {
      throw JSONSyntaxError(offset: stringStart, reason: "unterminated string")
    }
    switch input[position + 1] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
      UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 2
    case UInt8(ascii: "u"):
      let unit = try scanUnicodeEscape()
      switch unit {
      case 0xD800...0xDBFF:
        let isFollowedByEscape =
          position + 1 < input.count && input[position] == UInt8(ascii: "\\")
          && input[position + 1] == UInt8(ascii: "u")
        guard isFollowedByEscape, (0xDC00...0xDFFF).contains(try scanUnicodeEscape()) else {
          throw loneSurrogate(at: start)
        }
      case 0xDC00...0xDFFF:
        throw loneSurrogate(at: start)
      default:
        break
      }
    default:
      position += 1
      throw JSONSyntaxError(
        offset: start, reason: "invalid escape: '\\' followed by \(characterName())")
    }
  }

  /// Scans the `\uXXXX` escape at `position` and returns its UTF-16 code unit.
  private mutating func scanUnicodeEscape() throws(JSONSyntaxError) -> UInt16 {
    guard let unit = JSONStringDecoder.unicodeEscapeValue(in: input, at: position + 2) else {
      throw JSONSyntaxError(
        offset: position, reason: "invalid escape: \\u must be followed by 4 hexadecimal digits")
    }
    position += 6
    return unit
  }

  private func loneSurrogate(at start: Int) -> JSONSyntaxError {
    let escape = String(decoding: input[start..<(start + 6)], as: UTF8.self)
    return JSONSyntaxError(offset: start, reason: "lone surrogate \(escape)")
  }

  /// Scans the number starting at `position`, following RFC 8259's grammar exactly.
  mutating func scanNumber() throws(JSONSyntaxError) -> JSONScannedValue {
    let start = position
    if input[position] == UInt8(ascii: "-") {
      position += 1
    }
    guard isDigit(at: position) else {
      throw JSONSyntaxError(offset: position, reason: "expected a digit after '-'")
    }
    if input[position] == UInt8(ascii: "0") {
      position += 1
      if isDigit(at: position) {
        throw JSONSyntaxError(offset: position - 1, reason: "leading zeros are not allowed")
      }
    } else {
      skipDigits()
    }
    if position < input.count && input[position] == UInt8(ascii: ".") {
      position += 1
      guard isDigit(at: position) else {
        throw JSONSyntaxError(offset: position, reason: "expected a digit after the decimal point")
      }
      skipDigits()
    }
    if position < input.count && (input[position] | 0x20) == UInt8(ascii: "e") {
      position += 1
      if position < input.count
        && (input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-"))
      {
        position += 1
      }
      guard isDigit(at: position) else {
        throw JSONSyntaxError(offset: position, reason: "expected a digit in the exponent")
      }
      skipDigits()
    }
    return JSONScannedValue(kind: .number, start: start, end: position)
  }

  private func isDigit(at index: Int) -> Bool {
    index < input.count && input[index] >= UInt8(ascii: "0") && input[index] <= UInt8(ascii: "9")
  }

  private mutating func skipDigits() {
    while isDigit(at: position) {
      position += 1
    }
  }

  /// Scans `true`, `false` or `null`, whose first letter is at `position`.
  mutating func scanLiteral(
    _ literal: StaticString,
    kind: JSONValueKind
  ) throws(JSONSyntaxError) -> JSONScannedValue {
    let start = position
    let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    guard start + expected.count <= input.count,
      input[start..<(start + expected.count)].elementsEqual(expected)
    else {
      throw JSONSyntaxError(offset: start, reason: "invalid literal, expected '\(literal)'")
    }
    position += expected.count
    return JSONScannedValue(kind: kind, start: start, end: position)
  }

  func unexpectedEndOfInput(expected: String) -> JSONSyntaxError {
    JSONSyntaxError(offset: input.count, reason: "unexpected end of input, expected \(expected)")
  }

  /// The error for the byte at `position`, which cannot start what the grammar expects there.
  func unexpectedCharacter(expected: String) -> JSONSyntaxError {
    if input[position] >= 0x80 && JSONUTF8Validation.sequenceLength(in: input, at: position) == nil
    {
      return JSONSyntaxError(offset: position, reason: "invalid UTF-8")
    }
    return JSONSyntaxError(
      offset: position, reason: "unexpected character \(characterName()), expected \(expected)")
  }

  /// The character at `position` as an error message shows it: printable ASCII in quotes,
  /// anything else as its code point (U+00E9), so invisible characters are visible.
  private func characterName() -> String {
    let byte = input[position]
    if byte > 0x20 && byte < 0x7F {
      return "'\(Character(Unicode.Scalar(byte)))'"
    }
    guard byte >= 0x80, let length = JSONUTF8Validation.sequenceLength(in: input, at: position)
    else {
      return Self.codePointName(UInt32(byte))
    }
    let scalar = String(decoding: input[position..<(position + length)], as: UTF8.self)
      .unicodeScalars.first!
    return Self.codePointName(scalar.value)
  }

  /// A code point in the notation U+0001.
  static func codePointName(_ value: some BinaryInteger) -> String {
    let hex = String(value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }
}
