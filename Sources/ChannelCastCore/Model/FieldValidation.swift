import ChannelCastProtocol

/// Checks identifiers and text fields against the data model's rules.
///
/// Every failure is an `invalid_argument` error naming the field, its size and the limit.
public enum FieldValidation {
  /// `@TOA#_` followed by at least one byte, at most 48 bytes, without whitespace, control
  /// characters or `*` (the wildcard of publisher key lists).
  public static func officialAccountID(_ id: ByteString, field: String = "officialAccountID")
    throws(ChannelCastError)
  {
    let prefix = FieldLimits.officialAccountIDPrefix
    guard id.bytes.starts(with: prefix) else {
      throw .invalid(field, "\(field) must start with @TOA#_")
    }
    guard id.count > prefix.count else {
      throw .invalid(field, "\(field) needs at least one byte after @TOA#_")
    }
    guard id.count <= FieldLimits.officialAccountID else {
      throw .tooLong(field, size: id.count, limit: FieldLimits.officialAccountID)
    }
    // One pass over the bytes, as every request naming a channel takes this check.
    let hasNonASCII = try id.bytes.withUnsafeBufferPointer { bytes throws(ChannelCastError) in
      var hasNonASCII = false
      for byte in bytes {
        if byte >= 0x80 {
          hasNonASCII = true
        } else if byte == UInt8(ascii: "*") {
          throw .invalid(field, "\(field) must not contain '*'")
        } else if byte <= 0x20 || byte == 0x7F {  // ASCII controls and the space
          throw .invalid(field, "\(field) must not contain whitespace or control characters")
        }
      }
      return hasNonASCII
    }
    // Unicode's whitespace and C1 controls outside ASCII; most IDs are ASCII and skip this.
    if hasNonASCII,
      id.description.unicodeScalars.contains(where: {
        $0.value >= 0x80 && (isControl($0) || $0.properties.isWhitespace)
      })
    {
      throw .invalid(field, "\(field) must not contain whitespace or control characters")
    }
  }

  /// 1–64 bytes without control characters (a NUL would break the delivery topic).
  public static func userID(_ id: ByteString, field: String = "userID") throws(ChannelCastError) {
    guard !id.bytes.isEmpty else {
      throw .invalid(field, "\(field) must not be empty")
    }
    guard id.count <= FieldLimits.userID else {
      throw .tooLong(field, size: id.count, limit: FieldLimits.userID)
    }
    let hasControl =
      id.bytes.contains(where: { $0 < 0x20 || $0 == 0x7F })
      || (id.bytes.contains(where: { $0 >= 0x80 })
        && id.description.unicodeScalars.contains(where: isControl))
    if hasControl {
      throw .invalid(field, "\(field) must not contain control characters")
    }
  }

  /// A text field of at most `limit` bytes (and at least `minimum`).
  public static func text(_ value: String, field: String, limit: Int, minimum: Int = 0)
    throws(ChannelCastError)
  {
    let size = value.utf8.count
    if size < minimum {
      throw .invalid(field, "\(field) must not be empty")
    }
    if size > limit {
      throw .tooLong(field, size: size, limit: limit)
    }
  }

  /// C0 controls, DEL and C1 controls.
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }
}
