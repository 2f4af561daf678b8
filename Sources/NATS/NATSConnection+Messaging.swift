import CNATS

extension NATSConnection {
  /// Sends `data` on `subject` to whoever subscribes to it now (core NATS: no acknowledgement,
  /// nothing stored). With `replyTo`, receivers answer there; when nobody subscribes to
  /// `subject`, the server sends a message with `isNoResponders` to `replyTo` instead.
  public func send(_ data: [UInt8], to subject: String, replyTo: String? = nil)
    throws(NATSError)
  {
    // `natsConnection_PublishRequest` refuses a nil reply subject: without one it is `Publish`.
    let status = data.withUnsafeBytes { bytes in
      if let replyTo {
        natsConnection_PublishRequest(
          connection, subject, replyTo, bytes.baseAddress, Int32(bytes.count))
      } else {
        natsConnection_Publish(connection, subject, bytes.baseAddress, Int32(bytes.count))
      }
    }
    try check(status, "natsConnection_Publish(\(subject))")
  }

  /// Waits until the server has processed everything sent on this connection so far (a
  /// PING/PONG round trip), at most `timeoutMilliseconds`.
  public func flush(timeoutMilliseconds: Int64) throws(NATSError) {
    try check(
      natsConnection_FlushTimeout(connection, timeoutMilliseconds), "natsConnection_FlushTimeout")
  }

  /// A subject unique to this process (`_INBOX.<unique token>`), to receive replies on.
  public func newInbox() -> String {
    var inbox: UnsafeMutablePointer<natsInbox>?
    // It fails only when out of memory, where a Swift program stops anyway.
    guard natsInbox_Create(&inbox) == NATS_OK, let inbox else {
      fatalError("natsInbox_Create: out of memory")
    }
    defer { natsInbox_Destroy(inbox) }
    return String(cString: inbox)
  }
}
