import CZeroMQ

extension SocketEvent.Kinds {
  /// The server's authentication (ZAP) refused the handshake; the event's value is the ZAP
  /// status code, such as 400 for a key it does not accept (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`).
  /// Reported on the client, which otherwise only sees no replies.
  public static let handshakeFailedAuth = SocketEvent.Kinds(
    rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
}
