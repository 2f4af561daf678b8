/// The protocol's error codes, exactly as they appear in `error.code` and `resultCode`.
public enum ErrorCode: String, Sendable, CaseIterable {
  /// A malformed request, or one over a request-shape or field-size limit.
  case invalidArgument = "invalid_argument"
  case notFound = "not_found"
  case alreadyExists = "already_exists"
  /// A state limit such as a channel's `maxSubscriberCount`.
  case limitExceeded = "limit_exceeded"
  case permissionDenied = "permission_denied"
  case rateLimited = "rate_limited"
  /// A reused `clientMsgID` with a different payload.
  case duplicate = "duplicate"
  case unknownOp = "unknown_op"
  /// Too many deliveries accepted and not yet delivered: a request that fans out to a channel's
  /// subscribers is refused until the shards catch up.
  case overloaded = "overloaded"
  /// Cluster mode: the channel's partition has no owner that can decide now (a takeover is
  /// under way); nothing was changed. `details.retryAfterMs` says when to try again.
  case unavailable = "unavailable"
  case `internal` = "internal"
}
