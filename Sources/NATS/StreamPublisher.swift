import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// Publishes many messages to JetStream streams at once and waits for all their
/// acknowledgements (`js_PublishMsgAsync`, `js_PublishAsyncComplete`): one wait for a whole
/// batch rather than a round trip per message. The messages leave in the order of the batch, on
/// one connection, so a stream that stores them all stores them in that order.
///
/// Ownership: one thread publishes at a time (not Sendable). The C client calls the
/// acknowledgement handler on its reply thread, only while `publishAll` runs; the handler
/// records outcomes in `Acknowledgements`, behind its lock.
public final class StreamPublisher {
  /// The batch being published: which message of the batch each C message is, and the
  /// outcomes so far.
  ///
  /// `@unchecked Sendable`: `batch` is guarded by `lock`, a pthread mutex, which
  /// ThreadSanitizer sees (it does not see into the standard library's `Mutex`, and reported
  /// the handler's writes on the C client's thread as races).
  private final class Acknowledgements: @unchecked Sendable {
    struct Batch {
      /// Keyed by the C message's address (`UInt(bitPattern:)`). Not by message ID: a batch
      /// may repeat an ID. An address is removed before its message is destroyed, so a reused
      /// one cannot collide.
      var indices: [UInt: Int] = [:]
      var outcomes: [PublishOutcome] = []
    }

    private var batch = Batch()
    private let lock: UnsafeMutablePointer<pthread_mutex_t>

    init() {
      lock = .allocate(capacity: 1)
      pthread_mutex_init(lock, nil)
    }

    deinit {
      pthread_mutex_destroy(lock)
      lock.deallocate()
    }

    func withLock<Result>(_ body: (inout Batch) -> Result) -> Result {
      pthread_mutex_lock(lock)
      defer { pthread_mutex_unlock(lock) }
      return body(&batch)
    }

    /// The `jsOptions.PublishAsync.AckHandler`: with `ack` the stream stored the message,
    /// with `error` the server refused it or nothing answered.
    static let handler: jsPubAckHandler = { _, message, ack, error, closure in
      guard let message, let closure else { return }
      let outcome: PublishOutcome
      if let ack {
        outcome = .acknowledged(
          PublishAcknowledgement(sequence: ack.pointee.Sequence, isDuplicate: ack.pointee.Duplicate)
        )
      } else {
        outcome = .failed(
          NATSError(
            error?.pointee.Err ?? NATS_ERR,
            operation: "js_PublishMsgAsync(\(String(cString: natsMsg_GetSubject(message))))",
            jetStreamCode: error?.pointee.ErrCode ?? jsErrCode(0)))
      }
      let key = UInt(bitPattern: message)
      Unmanaged<Acknowledgements>.fromOpaque(closure).takeUnretainedValue().withLock {
        if let index = $0.indices.removeValue(forKey: key) { $0.outcomes[index] = outcome }
      }
      // The handler owns the message it is given.
      natsMsg_Destroy(message)
    }
  }

  /// A JetStream context of its own: the acknowledgement handler is the context's.
  private let jetStream: OpaquePointer
  private let acknowledgements = Acknowledgements()
  /// Keeps the connection alive while the context is.
  private let connection: NATSConnection

  /// A publisher on `connection`. At most `maxPending` messages are sent and not yet
  /// acknowledged; past that, sending waits for acknowledgements up to 200 ms (the C client's
  /// stall wait), then gives up (see `publishAll`).
  public init(connection: NATSConnection, maxPending: Int64 = 4_096) throws(NATSError) {
    var options = jsOptions()
    jsOptions_Init(&options)
    options.PublishAsync.MaxPending = maxPending
    options.PublishAsync.AckHandler = Acknowledgements.handler
    // Unretained: the context is destroyed before `acknowledgements` is released, and the
    // handler is only called while `publishAll` runs.
    options.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(acknowledgements)
      .toOpaque()
    var jetStream: OpaquePointer?
    let status = natsConnection_JetStream(&jetStream, connection.connection, &options)
    guard status == NATS_OK, let jetStream else {
      throw NATSError(status, operation: "natsConnection_JetStream")
    }
    self.jetStream = jetStream
    self.connection = connection
  }

  deinit {
    jsCtx_Destroy(jetStream)
  }

  /// Sends all `messages`, each with its `Nats-Msg-Id`, then waits up to `timeoutMilliseconds`
  /// for their acknowledgements; returns their outcomes in the order of `messages`.
  ///
  /// A message the client refuses to send (connection closed, reconnect buffer full, too
  /// large, `maxPending` stalled) is `.failed`, and the ones after it are not sent: `.failed`
  /// with the same error. When it returns, the client holds none of the messages: those
  /// without an answer are `.unresolved`, taken back from the client and destroyed (it never
  /// resends them, and ignores their late acknowledgements). They may still be stored, from
  /// bytes already on their way (in the socket, or in the reconnect buffer that the client
  /// sends when it reconnects): resolve them as `PublishOutcome.unresolved` says.
  public func publishAll(_ messages: [OutgoingStreamMessage], timeoutMilliseconds: Int64)
    -> [PublishOutcome]
  {
    acknowledgements.withLock {
      $0 = Acknowledgements.Batch(
        outcomes: Array(repeating: .unresolved, count: messages.count))
    }
    for (index, message) in messages.enumerated() {
      guard let refusal = send(message, index: index) else { continue }
      acknowledgements.withLock {
        // An I/O error may come after some of the message's bytes reached the socket.
        $0.outcomes[index] =
          refusal.status == Int32(bitPattern: NATS_IO_ERROR.rawValue)
          ? .unresolved : .failed(refusal)
        for later in (index + 1)..<messages.count { $0.outcomes[later] = .failed(refusal) }
      }
      break
    }
    var options = jsPubOptions()
    jsPubOptions_Init(&options)
    options.MaxWait = timeoutMilliseconds
    // A timeout says only that some are unanswered; the outcomes say which.
    _ = js_PublishAsyncComplete(jetStream, &options)
    var pending = natsMsgList()
    if js_PublishAsyncGetPendingList(&pending, jetStream) == NATS_OK {
      natsMsgList_Destroy(&pending)
    }
    // A handler may have taken its message from the client just before; the client counts it
    // as outstanding until the handler returns. Wait for it (it only records an outcome), so
    // that no handler of this batch runs after the return.
    _ = js_PublishAsyncComplete(jetStream, nil)
    return acknowledgements.withLock { batch in
      defer { batch = Acknowledgements.Batch() }
      return batch.outcomes
    }
  }

  /// Hands one message to the client; the error when the client refused it (then it is not
  /// sent, except perhaps for an I/O error).
  private func send(_ message: OutgoingStreamMessage, index: Int) -> NATSError? {
    var natsMessage: OpaquePointer?
    let status = message.data.withUnsafeBytes { bytes in
      natsMsg_Create(
        &natsMessage, message.subject, nil, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
        Int32(bytes.count))
    }
    guard status == NATS_OK, let created = natsMessage else {
      return NATSError(status, operation: "natsMsg_Create(\(message.subject))")
    }
    // Known before it is sent: its acknowledgement may come back before `js_PublishMsgAsync`
    // returns.
    let key = UInt(bitPattern: created)
    acknowledgements.withLock { $0.indices[key] = index }
    let published = message.messageID.withCString { id in
      var options = jsPubOptions()
      jsPubOptions_Init(&options)
      options.MsgId = id
      // On success the client owns the message and clears `natsMessage`.
      return js_PublishMsgAsync(jetStream, &natsMessage, &options)
    }
    guard published != NATS_OK else { return nil }
    acknowledgements.withLock { _ = $0.indices.removeValue(forKey: key) }
    natsMsg_Destroy(natsMessage)
    return NATSError(published, operation: "js_PublishMsgAsync(\(message.subject))")
  }
}
