/// A UTF-8 string compared, hashed and ordered by its bytes, never by Unicode equivalence.
///
/// Identifiers in the protocol are byte strings: `"é"` written precomposed and decomposed are two
/// different user IDs, as they are to every other system that stores them as bytes.
///
/// Its members are `@inlinable`: the core compares and hashes IDs on every request, and a call
/// across the module boundary for each would cost more than the comparison.
public struct ByteString: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The UTF-8 bytes.
  public let bytes: [UInt8]

  @inlinable
  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  public init(_ string: String) {
    self.bytes = Array(string.utf8)
  }

  /// The number of UTF-8 bytes.
  @inlinable
  public var count: Int { bytes.count }

  /// The bytes decoded as a `String` (only for messages and logs: never compare the result).
  public var description: String { String(decoding: bytes, as: UTF8.self) }

  /// Hashes the bytes in one call rather than one `combine` per byte.
  @inlinable
  public func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  @inlinable
  public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
    lhs.bytes == rhs.bytes
  }

  @inlinable
  public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
    lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
  }
}
