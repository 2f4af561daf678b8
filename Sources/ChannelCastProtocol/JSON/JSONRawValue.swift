/// A JSON value inside a parsed document: its kind and its exact bytes (a view into the
/// document's storage).
///
/// Nothing is decoded until asked for, so a value that is only stored or spliced into another
/// document costs nothing beyond its validation.
public struct JSONRawValue: Sendable {
  /// What kind of value this is.
  public let kind: JSONValueKind
  /// The exact bytes of the value in the input, without surrounding whitespace.
  public let bytes: ArraySlice<UInt8>
  /// Whether a string contains a backslash escape; without one, decoding is a plain copy.
  @usableFromInline let stringHasEscapes: Bool

  init(_ scanned: JSONScannedValue, in document: ArraySlice<UInt8>) {
    let base = document.startIndex
    kind = scanned.kind
    bytes = document[(base + scanned.start)..<(base + scanned.end)]
    stringHasEscapes = scanned.stringHasEscapes
  }

  /// The decoded string (escapes resolved); nil unless the value is a string.
  public var stringValue: String? {
    guard kind == .string else { return nil }
    guard stringHasEscapes else {
      return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
    }
    return stringBytes.map { String(decoding: $0, as: UTF8.self) }
  }

  /// The decoded string as UTF-8 bytes (escapes resolved); nil unless the value is a string.
  /// Byte-exact: no Unicode normalization.
  public var stringBytes: [UInt8]? {
    guard kind == .string else { return nil }
    guard stringHasEscapes else { return Array(bytes.dropFirst().dropLast()) }
    return bytes.withUnsafeBufferPointer { input in
      JSONStringDecoder.decode(input, contents: 1..<(input.count - 1))
    }
  }

  /// Calls `body` with the decoded string's UTF-8 bytes (escapes resolved), without copying a
  /// string that has no escape; nil unless the value is a string.
  @inlinable
  public func withStringBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    guard kind == .string else { return nil }
    guard stringHasEscapes else {
      return bytes.dropFirst().dropLast().withUnsafeBufferPointer(body)
    }
    return stringBytes?.withUnsafeBufferPointer(body)
  }

  /// The value of an integer that fits in `Int64`; nil for anything else, including numbers
  /// written with a fraction or an exponent such as `1.0` and `1e3`.
  public var int64Value: Int64? {
    guard kind == .number else { return nil }
    let isNegative = bytes.first == UInt8(ascii: "-")
    var value: Int64 = 0
    for byte in bytes.dropFirst(isNegative ? 1 : 0) {
      guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
      // Accumulating towards the sign of the result lets Int64.min, whose magnitude is not an
      // Int64, parse without overflowing.
      let digit = Int64(byte - UInt8(ascii: "0"))
      let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
      let (next, addOverflow) =
        isNegative
        ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
      guard !shiftOverflow && !addOverflow else { return nil }
      value = next
    }
    return value
  }

  /// The value of `true` or `false`; nil unless the value is a boolean.
  public var boolValue: Bool? {
    guard kind == .bool else { return nil }
    return bytes.first == UInt8(ascii: "t")
  }

  /// Whether the value is `null`.
  public var isNull: Bool { kind == .null }

  /// The elements of an array, already validated when the document was parsed; nil unless the
  /// value is an array.
  public var arrayElements: [JSONRawValue]? {
    guard kind == .array else { return nil }
    return JSONParser.children(ofValidated: bytes).map { JSONRawValue($0.value, in: bytes) }
  }

  /// The members of an object, already validated when the document was parsed; nil unless the
  /// value is an object.
  public var objectMembers: JSONObject? {
    guard kind == .object else { return nil }
    return JSONObject(document: bytes, members: JSONParser.children(ofValidated: bytes))
  }
}
