/// Why a request got no usable reply, or a consumer no deliveries.
public enum ClientError: Error, CustomStringConvertible, Equatable {
  case timedOut(milliseconds: Int)
  case malformedReply(String)
  /// Over CURVE: the daemon's authentication refused this client's key, with the ZAP status
  /// code (400 when the daemon does not know the key).
  case keyRefused(status: Int)
  /// Over CURVE: the handshake failed before authentication, typically because the server key
  /// is not the daemon's public key or the daemon does not use CURVE.
  case handshakeFailed

  public var description: String {
    switch self {
    case .timedOut(let milliseconds):
      "no reply within \(milliseconds) ms: is channelcastd running at that endpoint?"
    case .malformedReply(let reason): "the reply is malformed: \(reason)"
    case .keyRefused(400):
      "the daemon refused this client's key: is its public key in the daemon's clients file?"
    case .keyRefused(let status):
      "the daemon could not check this client's key (authentication status \(status))"
    case .handshakeFailed:
      "the CURVE handshake with the daemon failed: is the server key the daemon's public key, "
        + "and does the daemon use CURVE?"
    }
  }
}
