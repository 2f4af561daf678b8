import CNATS

/// A core NATS message as a subscription receives it: a copy, independent of the C client.
public struct NATSMessage: Sendable {
  public let subject: String
  /// Where the sender wants an answer (`send(_:to:replyTo:)`); nil when it wants none.
  public let reply: String?
  public let data: [UInt8]
  /// True for the status the server sends to a request's reply subject when nothing subscribes
  /// to the request's subject (header `Status: 503`, no data): nobody will answer.
  public let isNoResponders: Bool

  /// Copies the C client's message; the caller still owns and destroys it.
  init(copying message: OpaquePointer) {
    subject = String(cString: natsMsg_GetSubject(message))
    reply = natsMsg_GetReply(message).map { String(cString: $0) }
    let count = Int(natsMsg_GetDataLength(message))
    data =
      count == 0
      ? [] : Array(UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: count))
    isNoResponders = natsMsg_IsNoResponders(message)
  }
}
