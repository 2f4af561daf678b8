import ChannelCastCore
import ChannelCastProtocol
import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

/// The `cc-gateway` thread's loop: takes gateways' requests, hands attach and detach to the
/// shards, and sends each session's outbox (batches, gap notices, replies) as fast as the
/// gateway reads it.
///
/// Ownership: made and used on the `cc-gateway` thread, like the sockets and the sessions.
struct GatewayServingLoop {
  /// How long the thread sleeps when nothing happens, before looking at its stop flag.
  private static let idlePollMilliseconds = 100
  /// How soon it tries again a gateway whose queue in libzmq was full: ROUTER does not say when
  /// one peer has room again.
  private static let fullGatewayRetryMilliseconds = 1
  /// Requests taken before the outboxes are served again.
  private static let requestsPerTurn = 64
  /// Items sent from one outbox before going on to the next, so that gateways share the thread.
  private static let itemsPerTurn = 64
  /// Frames read of one message: routing ID, delimiter, request; more is malformed.
  private static let maximumFrames = 4
  /// Requests held while the daemon recovers its state, at most: a restart's reconnecting
  /// gateways say hello and re-attach (10,000 users a request), far fewer than this.
  private static let heldRequestLimit = 10_000

  let socket: Socket
  let monitor: Socket
  let wake: WakeSignal
  let outboxes: GatewayOutboxes
  let fanOut: FanOut
  /// With CURVE, the roles of the keys; nil without (every gateway may connect).
  let clients: ClientRegistry?
  let settings: GatewaySocket.Settings
  /// Set once the daemon has recovered its state and serves (cleared when it stops).
  let readiness: Readiness
  let logger: Logger
  let completions: GatewayCompletions
  private var sessions = GatewaySessionTable()
  /// Requests that arrived before the daemon served, in arrival order.
  private var held: [ReceivedRequest] = []

  init(
    socket: Socket, monitor: Socket, wake: WakeSignal, outboxes: GatewayOutboxes, fanOut: FanOut,
    clients: ClientRegistry?, settings: GatewaySocket.Settings, readiness: Readiness,
    logger: Logger
  ) {
    self.socket = socket
    self.monitor = monitor
    self.wake = wake
    self.outboxes = outboxes
    self.fanOut = fanOut
    self.clients = clients
    self.settings = settings
    self.readiness = readiness
    self.logger = logger
    self.completions = GatewayCompletions(wake: wake)
  }

  mutating func serve(until thread: DedicatedThread) throws(DaemonPartError) {
    var request = MultipartBuffer()
    request.readsUserID = clients != nil
    var someGatewayFull = false
    while !thread.isStopRequested {
      do {
        let ready = try Poller.poll(
          [(monitor, .readable), (socket, .readable)], readableDescriptors: [wake.descriptor],
          timeoutMilliseconds: someGatewayFull
            ? Self.fullGatewayRetryMilliseconds : Self.idlePollMilliseconds)
        wake.reset()
        // Disconnections first: a hello on a connection that reuses a closed one's descriptor
        // arrives after the monitor reported the close.
        if ready.sockets[0].contains(.readable) { endSessionsOfClosedConnections() }
        for completion in completions.takeAll() { complete(completion) }
        // Requests are held until the state is recovered (an attach interns users into the
        // directory the recovery fills), but always read: libzmq 4.3.4 aborts the process
        // when a heartbeat times out on a connection whose input it had stopped for a full
        // receive queue (zeromq/libzmq#4364).
        let serving = readiness.isReady
        if serving && !held.isEmpty {
          for waiting in held { answer(waiting) }
          held.removeAll()
        }
        var received = 0
        while received < Self.requestsPerTurn,
          try socket.receiveMultipart(into: &request, maxFrames: Self.maximumFrames, dontWait: true)
        {
          received += 1
          let message = ReceivedRequest(request)
          if serving {
            answer(message)
          } else {
            hold(message)
          }
        }
        someGatewayFull = try sendOutboxes()
      } catch  where error.isTerminated {
        return
      } catch {
        throw .gatewaySocketFailed("\(error)")
      }
    }
  }

  // MARK: Requests

  /// One request as received: copied out of the receive buffer, so that it can wait.
  private struct ReceivedRequest {
    let routingID: [UInt8]
    /// The delimiter and one frame, nothing more.
    let isWellFormed: Bool
    let frame: [UInt8]
    /// The `User-Id` its connection authenticated with (with CURVE).
    let userID: String?
    /// Its connection's file descriptor.
    let connection: Int32

    init(_ buffer: MultipartBuffer) {
      routingID = buffer.count >= 1 ? Array(buffer[0]) : []
      isWellFormed = buffer.count == 3 && buffer[1].isEmpty && !buffer.truncated
      frame = isWellFormed ? Array(buffer[2]) : []
      userID = buffer.userID
      connection = buffer.sourceFileDescriptor
    }
  }

  /// Keeps a request that arrived before the daemon serves, up to `heldRequestLimit`; past it,
  /// the gateway is told to retry.
  private mutating func hold(_ request: ReceivedRequest) {
    guard held.count < Self.heldRequestLimit else {
      reply(
        GatewayReply.failure(
          id: Array("null".utf8),
          ChannelCastError(
            .overloaded,
            "the daemon is starting (recovering its state) and holds \(Self.heldRequestLimit) "
              + "gateway requests already: retry",
            details: .init(limit: Self.heldRequestLimit, retryAfterMs: 1000))),
        to: request.routingID)
      return
    }
    held.append(request)
  }

  private mutating func answer(_ request: ReceivedRequest) {
    guard !request.routingID.isEmpty else { return }
    let routingID = request.routingID
    guard request.isWellFormed else {
      reply(
        GatewayReply.failure(
          id: Array("null".utf8),
          ChannelCastError(
            .invalidArgument,
            "a gateway request is the empty delimiter frame and one frame holding a JSON object")),
        to: routingID)
      return
    }
    if let clients {
      let role = clients.role(ofUserID: request.userID)
      guard role.mayConsumeDeliveries else {
        reply(
          GatewayReply.failure(
            id: Array("null".utf8),
            ChannelCastError(.permissionDenied, "a \(role) key may not act as a gateway")),
          to: routingID)
        return
      }
    }
    let decoded: GatewayRequest
    do {
      decoded = try GatewayRequest.decode(request.frame)
    } catch {
      respond(error.reply, to: routingID)
      return
    }
    let id = decoded.id
    switch decoded.operation {
    case .hello(let gatewayID):
      hello(gatewayID, id: id, routingID: routingID, connection: request.connection)
    case .attach(let userIDs):
      guard let session = sessionOrRefusal(routingID, id: id) else { return }
      let completions = completions
      fanOut.attach(userIDs, at: session.number) { count in
        completions.post(
          .reply(
            GatewayReply.attached(id: id, count: count), to: routingID, session: session.number))
      }
    case .detach(let userIDs):
      guard let session = sessionOrRefusal(routingID, id: id) else { return }
      let completions = completions
      fanOut.detach(userIDs, from: session.number) { count in
        completions.post(
          .reply(
            GatewayReply.detached(id: id, count: count), to: routingID, session: session.number))
      }
    case .bye:
      guard let session = sessionOrRefusal(routingID, id: id) else { return }
      end(session, reason: "bye", replying: (GatewayReply.bye(id: id), routingID))
    }
  }

  private mutating func hello(
    _ gatewayID: ByteString, id: [UInt8], routingID: [UInt8], connection: Int32
  ) {
    if let current = sessions.session(at: routingID) {
      if current.gatewayID == gatewayID {
        // A repeated hello: the session goes on as it is.
        _ = current.outbox.queueReply(
          GatewayReply.hello(id: id, batchMaxUsers: settings.batchMaxUsers))
        return
      }
      end(current, reason: "hello with another gatewayID", replying: nil)
    }
    if let holder = sessions.session(named: gatewayID) {
      end(holder, reason: "taken over by a hello from another connection", replying: nil)
    }
    guard let number = sessions.takeNumber() else {
      reply(
        GatewayReply.failure(
          id: id,
          ChannelCastError(
            .limitExceeded,
            "\(GatewayNumber.capacity) gateway sessions are in force or ending; try again",
            details: .init(limit: GatewayNumber.capacity))),
        to: routingID)
      return
    }
    let outbox = GatewayOutbox(
      gateway: number, gatewayID: gatewayID.description, routingID: routingID,
      capacity: GatewayOutboxes.outboxCapacity,
      batchMaxUsers: settings.batchMaxUsers)
    sessions.add(
      GatewaySessionRecord(
        gatewayID: gatewayID, number: number, routingID: routingID, connection: connection,
        outbox: outbox))
    outboxes.counts.sessions.store(sessions.count, ordering: .relaxed)
    outboxes.open(outbox)
    _ = outbox.queueReply(GatewayReply.hello(id: id, batchMaxUsers: settings.batchMaxUsers))
    logger.info(
      "gateway session started", metadata: ["gatewayID": "\(gatewayID)", "session": "\(number)"])
  }

  /// The session of the connection, or nil after replying that it needs a `hello` first.
  private func sessionOrRefusal(_ routingID: [UInt8], id: [UInt8]) -> GatewaySessionRecord? {
    if let session = sessions.session(at: routingID) { return session }
    reply(
      GatewayReply.failure(
        id: id,
        ChannelCastError(
          .invalidArgument,
          "send hello first: this connection has no gateway session (none yet, or it ended: bye, "
            + "or a hello from another connection took its gatewayID)",
          details: .init(field: "op"))),
      to: routingID)
    return nil
  }

  /// Ends a session: its outbox is closed (batches for it are discarded from now on) and the
  /// shards drop its attachments; then its number is free, and `replying` goes out.
  private mutating func end(
    _ session: GatewaySessionRecord, reason: String, replying: (bytes: [UInt8], to: [UInt8])?
  ) {
    sessions.remove(session)
    outboxes.counts.sessions.store(sessions.count, ordering: .relaxed)
    outboxes.close(session.number)
    let completions = completions
    let number = session.number
    fanOut.removeGateway(number) { _ in completions.post(.released(number, reply: replying)) }
    logger.info(
      "gateway session ended",
      metadata: [
        "gatewayID": "\(session.gatewayID)", "session": "\(number)", "reason": "\(reason)",
      ])
  }

  private mutating func complete(_ completion: GatewayCompletion) {
    switch completion {
    case .reply(let bytes, let routingID, let number):
      if let session = sessions.session(at: routingID), session.number == number {
        _ = session.outbox.queueReply(bytes)
      } else {
        reply(bytes, to: routingID)
      }
    case .released(let number, let replying):
      sessions.release(number)
      if let replying { reply(replying.bytes, to: replying.to) }
    }
  }

  /// Ends the sessions of the connections the monitor reports closed (a gateway that went
  /// away, or missed three heartbeat intervals).
  private mutating func endSessionsOfClosedConnections() {
    while let event = try? SocketEvent.read(from: monitor) {
      guard event.isDisconnection else { continue }
      for session in sessions.sessions(onConnection: Int32(bitPattern: event.value)) {
        end(session, reason: "connection closed", replying: nil)
      }
    }
  }

  // MARK: Sending

  /// Replies to a connection: behind the batches queued for its session, when it has one.
  private func respond(_ bytes: [UInt8], to routingID: [UInt8]) {
    if let session = sessions.session(at: routingID), session.outbox.queueReply(bytes) { return }
    reply(bytes, to: routingID)
  }

  /// Sends a reply at once, outside any session (an error before `hello`, the reply to a
  /// `bye`). A gateway too full to take it loses it, with a warning.
  private func reply(_ bytes: [UInt8], to routingID: [UInt8]) {
    do {
      if try socket.send(routingID, more: true, dontWait: true) {
        try socket.send([], more: true)
        try socket.send(bytes)
      } else {
        logger.warning("dropped a reply to a gateway whose queue is full")
      }
    } catch {
      logger.debug("a gateway went away before its reply: \(error)")
    }
  }

  /// Sends what the outboxes hold, a turn's worth per gateway, until each is empty or its
  /// gateway's queue in libzmq is full. Returns whether any gateway was full.
  private mutating func sendOutboxes() throws(ZMQError) -> Bool {
    var someFull = false
    var gone: [GatewaySessionRecord] = []
    var progressed = true
    while progressed {
      progressed = false
      for session in sessions.byRoutingID.values {
        var sent = 0
        sending: while sent < Self.itemsPerTurn, let item = session.outbox.front() {
          switch try send(item, to: session.routingID) {
          case .sent:
            session.outbox.removeFront()
            sent += 1
          case .full:
            someFull = true
            break sending
          case .gone:
            gone.append(session)
            break sending
          }
        }
        if sent == Self.itemsPerTurn { progressed = true }
      }
    }
    for session in gone where sessions.session(at: session.routingID) != nil {
      end(session, reason: "connection gone", replying: nil)
    }
    return someFull
  }

  private enum SendOutcome {
    case sent
    case full
    case gone
  }

  private func send(_ item: GatewayOutbox.Item, to routingID: [UInt8]) throws(ZMQError)
    -> SendOutcome
  {
    do {
      // libzmq takes or refuses a message at its first frame; the rest always follows.
      guard try socket.send(routingID, more: true, dontWait: true) else { return .full }
    } catch  where error.code == EHOSTUNREACH {
      return .gone
    }
    try socket.send([], more: true)
    switch item {
    case .batch(let envelope, let recipients, let recipientCount):
      try socket.send(sharing: envelope.buffer, owner: envelope, more: true)
      try socket.send(recipients)
      outboxes.countSent(recipients: recipientCount)
    case .reply(let bytes):
      try socket.send(bytes)
    }
    return .sent
  }
}
