/// Builds a JSON object into a byte buffer, fast, with correct escaping. Used for replies and
/// envelopes.
///
/// Keys are not checked for duplicates: adding a key twice writes it twice.
///
/// The members that take any collection of bytes are `@inlinable` so that the modules that
/// encode replies and envelopes get them specialized for their arrays and slices; across the
/// module boundary they would otherwise run as unspecialized generic code, element by element.
public struct JSONObjectWriter: Sendable {
  /// The object so far, always closed with "}" so that `finished()` is a copy-free hand-over;
  /// each addition removes the brace and puts it back after the new member.
  @usableFromInline var output: [UInt8]
  @usableFromInline var isEmpty = true

  /// Starts an empty object, reserving room for `reservingCapacity` bytes.
  public init(reservingCapacity: Int = 256) {
    output = []
    output.reserveCapacity(max(reservingCapacity, 2))
    output.append(UInt8(ascii: "{"))
    output.append(UInt8(ascii: "}"))
  }

  /// Adds a member whose value is `value` as an escaped string.
  public mutating func add(_ key: String, _ value: String) {
    beginMember(key)
    JSONOutput.appendString(value, to: &output)
    output.append(UInt8(ascii: "}"))
  }

  /// Adds a member whose value is the string with the UTF-8 bytes `bytes`, escaped. The bytes
  /// must be valid UTF-8, such as `JSONRawValue.stringBytes`.
  @inlinable
  public mutating func add(_ key: String, utf8 bytes: some Collection<UInt8>) {
    beginMember(key)
    JSONOutput.appendString(utf8: bytes, to: &output)
    output.append(UInt8(ascii: "}"))
  }

  /// Adds a member whose value is the integer `value`.
  public mutating func add(_ key: String, _ value: Int64) {
    beginMember(key)
    JSONOutput.appendInteger(value, to: &output)
    output.append(UInt8(ascii: "}"))
  }

  /// Adds a member whose value is the integer `value`.
  public mutating func add(_ key: String, _ value: Int) {
    add(key, Int64(value))
  }

  /// Adds a member whose value is the integer `value`.
  public mutating func add(_ key: String, _ value: UInt64) {
    beginMember(key)
    JSONOutput.appendInteger(value, to: &output)
    output.append(UInt8(ascii: "}"))
  }

  /// Adds a member whose value is `true` or `false`.
  @inlinable
  public mutating func add(_ key: String, _ value: Bool) {
    add(key, rawJSON: value ? "true".utf8 : "false".utf8)
  }

  /// Adds a member whose value is `null`.
  @inlinable
  public mutating func addNull(_ key: String) {
    add(key, rawJSON: "null".utf8)
  }

  /// Adds a member whose value is `rawJSON`, copied verbatim. The caller guarantees that it is
  /// one valid JSON value, such as `JSONRawValue.bytes`.
  @inlinable
  public mutating func add(_ key: String, rawJSON: some Collection<UInt8>) {
    beginMember(key)
    output.append(contentsOf: rawJSON)
    output.append(UInt8(ascii: "}"))
  }

  /// Adds every member of `other`, in order (for splicing a part encoded once and kept).
  public mutating func addMembers(of other: JSONObjectWriter) {
    guard !other.isEmpty else { return }
    output.removeLast()
    if isEmpty {
      isEmpty = false
    } else {
      output.append(UInt8(ascii: ","))
    }
    output.append(contentsOf: other.output.dropFirst())  // its members and closing brace
  }

  /// Adds a member whose value is the object built by `object`.
  @inlinable
  public mutating func add(_ key: String, object: JSONObjectWriter) {
    add(key, rawJSON: object.finished())
  }

  /// Adds a member whose value is the array built by `array`.
  @inlinable
  public mutating func add(_ key: String, array: JSONArrayWriter) {
    add(key, rawJSON: array.finished())
  }

  /// Empties the object, keeping its storage: for encoding many small objects one after the
  /// other (a page of subscribers) without an allocation each.
  public mutating func removeAll() {
    output.removeAll(keepingCapacity: true)
    output.append(UInt8(ascii: "{"))
    output.append(UInt8(ascii: "}"))
    isEmpty = true
  }

  /// The size of the complete object in bytes.
  public var byteCount: Int { output.count }

  /// The complete object, closing brace included. Does not change the writer.
  @inlinable
  public func finished() -> [UInt8] {
    output
  }

  /// Reopens the object and writes the separator, the key and the colon.
  @usableFromInline
  mutating func beginMember(_ key: String) {
    output.removeLast()
    if isEmpty {
      isEmpty = false
    } else {
      output.append(UInt8(ascii: ","))
    }
    JSONOutput.appendString(key, to: &output)
    output.append(UInt8(ascii: ":"))
  }
}
