/// A message to publish to a JetStream stream with `StreamPublisher`.
public struct OutgoingStreamMessage: Sendable {
  public var subject: String
  public var data: [UInt8]
  /// Sent as `Nats-Msg-Id`: the stream stores a message once per ID within its duplicate
  /// window, so a message whose outcome is unknown can be published again safely.
  public var messageID: String

  public init(subject: String, data: [UInt8], messageID: String) {
    self.subject = subject
    self.data = data
    self.messageID = messageID
  }
}
