/// Appends JSON strings and integers to a byte buffer, without intermediate allocations.
@usableFromInline
enum JSONOutput {
  /// Appends `string` as a quoted JSON string.
  static func appendString(_ string: String, to output: inout [UInt8]) {
    var string = string
    string.withUTF8 { appendString(utf8: $0, to: &output) }
  }

  /// Appends the UTF-8 bytes `utf8` as a quoted JSON string. The bytes must be valid UTF-8.
  @inlinable
  static func appendString(utf8: some Collection<UInt8>, to output: inout [UInt8]) {
    let wasContiguous: Void? = utf8.withContiguousStorageIfAvailable {
      appendString(utf8: $0, to: &output)
    }
    if wasContiguous == nil {
      Array(utf8).withUnsafeBufferPointer { appendString(utf8: $0, to: &output) }
    }
  }

  /// Escapes only what RFC 8259 requires: the quote, the backslash and control characters.
  /// Runs of bytes that need no escape are copied in one go.
  @usableFromInline
  static func appendString(utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    var runStart = 0
    for index in utf8.indices {
      let byte = utf8[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
        continue
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
      appendEscape(of: byte, to: &output)
      runStart = index + 1
    }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    output.append(UInt8(ascii: "\""))
  }

  private static func appendEscape(of byte: UInt8, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\\"))
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
    case 0x08: output.append(UInt8(ascii: "b"))
    case 0x09: output.append(UInt8(ascii: "t"))
    case 0x0A: output.append(UInt8(ascii: "n"))
    case 0x0C: output.append(UInt8(ascii: "f"))
    case 0x0D: output.append(UInt8(ascii: "r"))
    default:
      let hexDigits: StaticString = "0123456789abcdef"
      output.append(UInt8(ascii: "u"))
      output.append(UInt8(ascii: "0"))
      output.append(UInt8(ascii: "0"))
      output.append(hexDigits.utf8Start[Int(byte >> 4)])
      output.append(hexDigits.utf8Start[Int(byte & 0x0F)])
    }
  }

  /// Appends a signed integer in plain decimal.
  static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
    if value < 0 {
      output.append(UInt8(ascii: "-"))
    }
    appendInteger(value.magnitude, to: &output)
  }

  /// Appends an unsigned integer in plain decimal.
  static func appendInteger(_ value: UInt64, to output: inout [UInt8]) {
    // Digits come out least significant first; write them, then turn them around in place.
    let start = output.count
    var remaining = value
    repeat {
      output.append(UInt8(ascii: "0") + UInt8(remaining % 10))
      remaining /= 10
    } while remaining > 0
    // Swapping in the array itself: reversing `output[start...]` would copy the whole buffer.
    var low = start
    var high = output.count - 1
    while low < high {
      output.swapAt(low, high)
      low += 1
      high -= 1
    }
  }
}
