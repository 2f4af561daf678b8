import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a stream's messages on a subject in stream order through an ordered consumer
/// (ephemeral, no acknowledgements; the client recreates it after a gap, so nothing is skipped
/// or repeated), from a given sequence on.
///
/// Ownership: not Sendable; one thread reads.
public final class OrderedReader {
  private let subscription: OpaquePointer
  /// Keeps the connection alive while the subscription is.
  private let connection: NATSConnection

  /// Starts reading `subject` of `stream` at `startSequence` (1: from the beginning).
  public init(
    connection: NATSConnection, stream: String, subject: String, startSequence: UInt64 = 1
  ) throws(NATSError) {
    var options = jsSubOptions()
    jsSubOptions_Init(&options)
    let streamName = strdup(stream)
    defer { free(streamName) }
    options.Stream = UnsafePointer(streamName)
    options.Ordered = true
    if startSequence > 1 {
      options.Config.DeliverPolicy = js_DeliverByStartSequence
      options.Config.OptStartSeq = startSequence
    }
    var subscription: OpaquePointer?
    var code = jsErrCode(0)
    let status = js_SubscribeSync(
      &subscription, connection.jetStream, subject, nil, &options, &code)
    try check(status, "js_SubscribeSync(\(subject))", jetStreamCode: code)
    guard let subscription else {
      throw NATSError(NATS_ERR, operation: "js_SubscribeSync(\(subject)): no subscription")
    }
    self.subscription = subscription
    self.connection = connection
  }

  deinit {
    natsSubscription_Destroy(subscription)
  }

  /// The next message, waiting up to `timeoutMilliseconds`; nil when none came in that time.
  public func next(timeoutMilliseconds: Int64) throws(NATSError) -> StreamMessage? {
    var message: OpaquePointer?
    let status = natsSubscription_NextMsg(&message, subscription, timeoutMilliseconds)
    if status == NATS_TIMEOUT { return nil }
    try check(status, "natsSubscription_NextMsg")
    guard let message else { return nil }
    defer { natsMsg_Destroy(message) }
    var metadata: UnsafeMutablePointer<jsMsgMetaData>?
    try check(natsMsg_GetMetaData(&metadata, message), "natsMsg_GetMetaData")
    defer { jsMsgMetaData_Destroy(metadata) }
    let count = Int(natsMsg_GetDataLength(message))
    let data =
      count == 0
      ? [] : Array(UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: count))
    return StreamMessage(
      subject: String(cString: natsMsg_GetSubject(message)), data: data,
      streamSequence: metadata?.pointee.Sequence.Stream ?? 0,
      pending: metadata?.pointee.NumPending ?? 0)
  }
}
