/// What handling a request gave: the reply frame to send, and how the request ended (for the
/// daemon's metrics).
public struct HandledRequest {
  public let reply: [UInt8]
  public let outcome: RequestOutcome
}
