import ChannelCastProtocol

/// What a request was and how it ended, for the daemon's metrics.
public struct RequestOutcome: Sendable, Hashable {
  /// What a request's `op` field held.
  public enum Op: Sendable, Hashable {
    case known(RequestOp)
    /// A string that names no op of the protocol.
    case unknown
    /// No op that could be read: absent, null, not a string, or a request that is not JSON.
    case none
  }

  public var op: Op
  /// The error the request was answered with; nil when it succeeded.
  public var error: ErrorCode?

  public init(op: Op, error: ErrorCode?) {
    self.op = op
    self.error = error
  }

  /// The op as a metric label: one of the protocol's, `unknown` or `none`.
  public var opLabel: String {
    switch op {
    case .known(let op): op.rawValue
    case .unknown: "unknown"
    case .none: "none"
    }
  }

  /// The result as a metric label: `ok` or the error code.
  public var codeLabel: String { error?.rawValue ?? "ok" }
}
