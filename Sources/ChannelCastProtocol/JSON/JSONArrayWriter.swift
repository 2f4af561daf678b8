/// Builds a JSON array into a byte buffer, fast, with correct escaping.
///
/// `append(rawJSON:)` is `@inlinable` for the reason given on `JSONObjectWriter`.
public struct JSONArrayWriter: Sendable {
  /// The array so far, always closed with "]" so that `finished()` is a copy-free hand-over;
  /// each addition removes the bracket and puts it back after the new element.
  @usableFromInline var output: [UInt8]

  /// The number of elements appended so far.
  public internal(set) var count = 0

  /// Starts an empty array, reserving room for `reservingCapacity` bytes.
  public init(reservingCapacity: Int = 256) {
    output = []
    output.reserveCapacity(max(reservingCapacity, 2))
    output.append(UInt8(ascii: "["))
    output.append(UInt8(ascii: "]"))
  }

  /// Appends `value` as an escaped string.
  public mutating func append(_ value: String) {
    beginElement()
    JSONOutput.appendString(value, to: &output)
    output.append(UInt8(ascii: "]"))
  }

  /// Appends `rawJSON`, copied verbatim. The caller guarantees that it is one valid JSON value.
  @inlinable
  public mutating func append(rawJSON: some Collection<UInt8>) {
    beginElement()
    output.append(contentsOf: rawJSON)
    output.append(UInt8(ascii: "]"))
  }

  /// Appends the object built by `object`.
  @inlinable
  public mutating func append(object: JSONObjectWriter) {
    append(rawJSON: object.finished())
  }

  /// The complete array, closing bracket included. Does not change the writer.
  @inlinable
  public func finished() -> [UInt8] {
    output
  }

  /// Reopens the array and writes the separator.
  @usableFromInline
  mutating func beginElement() {
    output.removeLast()
    if count > 0 {
      output.append(UInt8(ascii: ","))
    }
    count += 1
  }
}
