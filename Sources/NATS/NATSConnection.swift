import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// A connection to a NATS server or cluster (`natsConnection`), with its JetStream context.
///
/// Ownership: the C client's connection is thread-safe; this class holds it and the JetStream
/// context and destroys both once. `@unchecked Sendable` for that reason.
public final class NATSConnection: @unchecked Sendable {
  let connection: OpaquePointer
  let jetStream: OpaquePointer

  /// Connects to the first of `urls` that answers (`nats://host:port`); the client reconnects
  /// to any of them by itself afterwards. `timeoutMilliseconds` bounds the connect and is the
  /// default wait of JetStream calls.
  public init(urls: [String], name: String, timeoutMilliseconds: Int64 = 2000) throws(NATSError) {
    var options: OpaquePointer?
    try check(natsOptions_Create(&options), "natsOptions_Create")
    defer { natsOptions_Destroy(options) }
    let cURLs = urls.map { strdup($0) }
    defer { for url in cURLs { free(url) } }
    var pointers = cURLs.map { UnsafePointer($0) }
    try check(
      natsOptions_SetServers(options, &pointers, Int32(pointers.count)), "natsOptions_SetServers")
    try check(natsOptions_SetName(options, name), "natsOptions_SetName")
    try check(natsOptions_SetTimeout(options, timeoutMilliseconds), "natsOptions_SetTimeout")
    // Keep trying for good: a cluster node waits for NATS to come back rather than give up.
    try check(natsOptions_SetMaxReconnect(options, -1), "natsOptions_SetMaxReconnect")
    // Publish at once instead of leaving it to the client's flusher thread: a forwarded
    // request and its reply each wait for that thread's turn otherwise.
    try check(natsOptions_SetSendAsap(options, true), "natsOptions_SetSendAsap")
    var connection: OpaquePointer?
    try check(natsConnection_Connect(&connection, options), "natsConnection_Connect")
    var jsOptions = jsOptions()
    jsOptions_Init(&jsOptions)
    jsOptions.Wait = timeoutMilliseconds
    var jetStream: OpaquePointer?
    let status = natsConnection_JetStream(&jetStream, connection, &jsOptions)
    guard status == NATS_OK, let connection, let jetStream else {
      natsConnection_Destroy(connection)
      throw NATSError(status, operation: "natsConnection_JetStream")
    }
    self.connection = connection
    self.jetStream = jetStream
  }

  deinit {
    jsCtx_Destroy(jetStream)
    natsConnection_Destroy(connection)
  }
}
