/// Where the scanner found a value: its kind and its byte range, relative to the start of the
/// scanned bytes. A plain value type with no references, so arrays of it cost no reference counting.
struct JSONScannedValue {
  var kind: JSONValueKind
  var start: Int
  var end: Int
  /// Whether a string contains a backslash escape; decoding a string without one is a plain copy.
  var stringHasEscapes: Bool = false

  /// For a string, the range of its contents without the quotes.
  var contentRange: Range<Int> { (start + 1)..<(end - 1) }
}

/// A direct child of a scanned container: an object member with its key, or an array element.
struct JSONScannedChild {
  /// The member's key (a string value, quotes included); nil for an array element.
  var key: JSONScannedValue?
  var value: JSONScannedValue
}
