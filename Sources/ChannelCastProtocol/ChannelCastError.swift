/// A request that cannot be carried out: an error code, a message that says what was wrong and
/// what the limit is, and the details a program needs to react.
public struct ChannelCastError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Machine-readable facts about the error, sent as `error.details`.
  public struct Details: Sendable, Equatable {
    /// The request field at fault.
    public var field: String?
    /// The limit the field or the state exceeded.
    public var limit: Int?
    /// The size the field had, in the unit of `limit`.
    public var size: Int?
    /// The message key of an earlier message (for `duplicate`).
    public var msgKey: String?
    /// Deliveries accepted and not yet delivered (for `overloaded`).
    public var pendingDeliveries: Int?
    /// How long to wait before retrying (for `rate_limited` and `overloaded`).
    public var retryAfterMs: Int?

    public init(
      field: String? = nil, limit: Int? = nil, size: Int? = nil, msgKey: String? = nil,
      pendingDeliveries: Int? = nil, retryAfterMs: Int? = nil
    ) {
      self.field = field
      self.limit = limit
      self.size = size
      self.msgKey = msgKey
      self.pendingDeliveries = pendingDeliveries
      self.retryAfterMs = retryAfterMs
    }

    public var isEmpty: Bool {
      field == nil && limit == nil && size == nil && msgKey == nil && pendingDeliveries == nil
        && retryAfterMs == nil
    }
  }

  public var code: ErrorCode
  public var message: String
  public var details: Details

  public init(_ code: ErrorCode, _ message: String, details: Details = Details()) {
    self.code = code
    self.message = message
    self.details = details
  }

  public var description: String { "\(code.rawValue): \(message)" }

  public static func invalid(_ field: String, _ message: String) -> ChannelCastError {
    ChannelCastError(.invalidArgument, message, details: Details(field: field))
  }

  public static func tooLong(_ field: String, size: Int, limit: Int) -> ChannelCastError {
    ChannelCastError(
      .invalidArgument, "\(field) is \(size) bytes; the limit is \(limit)",
      details: Details(field: field, limit: limit, size: size))
  }

  public static func missing(_ field: String) -> ChannelCastError {
    invalid(field, "\(field) is required")
  }
}
