import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// A failed call into the NATS C client: the status it returned, its text, and for JetStream
/// calls the server's error code (`jsErrCode`, 0 when none).
public struct NATSError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The client's `natsStatus`, as its raw value.
  public let status: Int32
  /// The JetStream API's error code, such as 10071 (wrong last sequence); 0 when none.
  public let jetStreamCode: Int32
  public let operation: String
  public let text: String

  init(_ status: natsStatus, operation: String, jetStreamCode: jsErrCode = jsErrCode(0)) {
    self.status = Int32(bitPattern: status.rawValue)
    self.jetStreamCode = Int32(bitPattern: jetStreamCode.rawValue)
    self.operation = operation
    text = String(cString: natsStatus_GetText(status))
  }

  /// The call waited for its answer longer than it was allowed. For a publish this is not a
  /// failure: the record may still be committed (read the log to know).
  public var isTimeout: Bool { status == Int32(bitPattern: NATS_TIMEOUT.rawValue) }

  /// Nothing answered the request (a JetStream stream without a leader, for instance).
  public var isNoResponders: Bool { status == Int32(bitPattern: NATS_NO_RESPONDERS.rawValue) }

  /// The message is larger than the server's `max_payload`.
  public var isPayloadTooLarge: Bool {
    status == Int32(bitPattern: NATS_MAX_PAYLOAD.rawValue)
  }

  public var description: String {
    "\(operation): \(text)" + (jetStreamCode != 0 ? " (JetStream error \(jetStreamCode))" : "")
  }
}

/// Throws unless `status` is `NATS_OK`.
@inline(__always)
func check(_ status: natsStatus, _ operation: String, jetStreamCode: jsErrCode = jsErrCode(0))
  throws(NATSError)
{
  guard status == NATS_OK else {
    throw NATSError(status, operation: operation, jetStreamCode: jetStreamCode)
  }
}
