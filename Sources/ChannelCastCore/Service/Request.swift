import ChannelCastProtocol

/// A decoded request: its fields, with typed accessors whose errors name the field.
///
/// An absent field and a field set to `null` are the same: not given.
struct Request {
  let fields: JSONObject

  /// The raw value of a field, nil when absent or null.
  func value(_ name: String) -> JSONRawValue? {
    guard let value = fields[name], !value.isNull else { return nil }
    return value
  }

  func has(_ name: String) -> Bool { value(name) != nil }

  /// What the `op` field names, told without making a string of it.
  var op: RequestOutcome.Op {
    guard let value = value("op"), let op = value.withStringBytes(RequestOp.init(name:)) else {
      return .none
    }
    return op.map(RequestOutcome.Op.known) ?? .unknown
  }

  func string(_ name: String) throws(ChannelCastError) -> String? {
    guard let value = value(name) else { return nil }
    guard let string = value.stringValue else { throw .invalid(name, "\(name) must be a string") }
    return string
  }

  func requiredString(_ name: String) throws(ChannelCastError) -> String {
    guard let string = try string(name) else { throw .missing(name) }
    return string
  }

  /// A string field as exact bytes (for identifiers).
  func bytes(_ name: String) throws(ChannelCastError) -> ByteString? {
    guard let value = value(name) else { return nil }
    guard let bytes = value.stringBytes else { throw .invalid(name, "\(name) must be a string") }
    return ByteString(bytes)
  }

  func requiredBytes(_ name: String) throws(ChannelCastError) -> ByteString {
    guard let bytes = try bytes(name) else { throw .missing(name) }
    return bytes
  }

  func requiredOfficialAccountID() throws(ChannelCastError) -> ByteString {
    let id = try requiredBytes("officialAccountID")
    try FieldValidation.officialAccountID(id)
    return id
  }

  func userID(_ name: String = "userID") throws(ChannelCastError) -> ByteString? {
    guard let id = try bytes(name) else { return nil }
    try FieldValidation.userID(id, field: name)
    return id
  }

  func requiredUserID(_ name: String = "userID") throws(ChannelCastError) -> ByteString {
    guard let id = try userID(name) else { throw .missing(name) }
    return id
  }

  /// An integer field within `range`.
  func integer(_ name: String, in range: ClosedRange<Int>) throws(ChannelCastError) -> Int? {
    guard let value = value(name) else { return nil }
    guard let integer = value.int64Value, let int = Int(exactly: integer) else {
      throw .invalid(name, "\(name) must be an integer")
    }
    guard range.contains(int) else {
      throw ChannelCastError(
        .invalidArgument,
        "\(name) is \(int); it must be between \(range.lowerBound) and \(range.upperBound)",
        details: .init(
          field: name, limit: int < range.lowerBound ? range.lowerBound : range.upperBound))
    }
    return int
  }

  /// A page size: 1 to `maximum`, `defaultLimit` when absent.
  func pageLimit(
    maximum: Int = FieldLimits.pageLimit, defaultLimit: Int = FieldLimits.defaultPageLimit
  )
    throws(ChannelCastError) -> Int
  {
    try integer("limit", in: 1...maximum) ?? defaultLimit
  }

  /// An array field of at most `limit` elements.
  func array(_ name: String, limit: Int) throws(ChannelCastError) -> [JSONRawValue]? {
    guard let value = value(name) else { return nil }
    guard let elements = value.arrayElements else {
      throw .invalid(name, "\(name) must be an array")
    }
    guard elements.count <= limit else {
      throw ChannelCastError(
        .invalidArgument, "\(name) has \(elements.count) entries; the limit is \(limit)",
        details: .init(field: name, limit: limit, size: elements.count))
    }
    return elements
  }

  /// A text field checked against its byte limit.
  func text(_ name: String, limit: Int, minimum: Int = 0) throws(ChannelCastError) -> String? {
    guard let text = try string(name) else { return nil }
    try FieldValidation.text(text, field: name, limit: limit, minimum: minimum)
    return text
  }

  /// The message payload: any JSON value, its bytes exactly as the request carried them.
  func payload(limit: Int) throws(ChannelCastError) -> ArraySlice<UInt8> {
    // `null` is a valid payload, so this does not go through `value(_:)`.
    guard let payload = fields["payload"] else { throw .missing("payload") }
    guard payload.bytes.count <= limit else {
      throw .tooLong("payload", size: payload.bytes.count, limit: limit)
    }
    return payload.bytes
  }
}
