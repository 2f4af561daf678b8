/// Recognises well-formed UTF-8 multi-byte sequences (Unicode 15, table 3-7), so that the parser
/// rejects overlong forms, UTF-16 surrogates encoded in UTF-8, code points above U+10FFFF and
/// truncated sequences.
enum JSONUTF8Validation {
  /// The length of the well-formed sequence whose lead byte (0x80 or above) is at `position`,
  /// or nil when the bytes there are not well-formed UTF-8.
  static func sequenceLength(in input: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
    let lead = input[position]
    // The range allowed for the second byte is narrower than 80...BF after some lead bytes: that
    // is how the table excludes overlongs (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
    let length: Int
    let secondByteRange: ClosedRange<UInt8>
    switch lead {
    case 0xC2...0xDF: (length, secondByteRange) = (2, 0x80...0xBF)
    case 0xE0: (length, secondByteRange) = (3, 0xA0...0xBF)
    case 0xE1...0xEC, 0xEE...0xEF: (length, secondByteRange) = (3, 0x80...0xBF)
    case 0xED: (length, secondByteRange) = (3, 0x80...0x9F)
    case 0xF0: (length, secondByteRange) = (4, 0x90...0xBF)
    case 0xF1...0xF3: (length, secondByteRange) = (4, 0x80...0xBF)
    case 0xF4: (length, secondByteRange) = (4, 0x80...0x8F)
    default: return nil
    }
    guard position + length <= input.count, secondByteRange.contains(input[position + 1]) else {
      return nil
    }
    for index in (position + 2)..<(position + length) where input[index] & 0xC0 != 0x80 {
      return nil
    }
    return length
  }
}
