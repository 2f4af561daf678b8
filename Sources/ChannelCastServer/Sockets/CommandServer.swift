import ChannelCastCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

/// The command socket: a ROUTER socket served by one dedicated thread, which also owns the
/// `CommandProcessor` (and so the service, the whole in-memory state and its journal).
/// Requests are handled one at a time, in arrival order; a DEALER may pipeline many.
final class CommandServer: Sendable {
  /// How often the thread looks up from a quiet socket to see whether it should stop.
  private static let idlePollMilliseconds = 100
  /// Frames read of one message: routing IDs (one per proxy hop), the empty delimiter and the
  /// request. A message with more is answered with an error, its extra frames not kept.
  private static let maximumFrames = 16
  /// Requests handled before their events go to the shards and their replies to the clients:
  /// enough to save queue hops and wake-ups, few enough that a reply waits about a millisecond.
  private static let requestsPerRun = 256
  /// Replies queued per client before the client must read some: the depth of pipelining.
  static let replyHighWaterMark: Int32 = 100_000
  private static let replySendPatienceMilliseconds = 1000

  private let stopRequested = Atomic<Bool>(false)

  private let loopTurnCount = Atomic<UInt64>(0)
  private let mailbox = CommandThreadMailbox()

  /// Turns of the serving loop, at least one every `idlePollMilliseconds`: the watchdog's sign
  /// that the command thread is alive.
  var loopTurns: UInt64 { loopTurnCount.load(ordering: .relaxed) }
  private let finished = DispatchSemaphore(value: 0)
  private let logger: Logger

  /// Starts the thread, which makes the processor (recovering the state from disk), then binds
  /// the socket: no request is taken before recovery is done. Throws what either step threw.
  init(
    context: ZMQContext, endpoint: String, maxRequestBytes: Int, security: CurveSecurity?,
    logger: Logger, makeProcessor: @escaping @Sendable () throws -> CommandProcessor
  ) throws {
    self.logger = logger
    try SocketThread.start(
      name: "cc-command", finished: finished,
      setUp: {
        let processor = try makeProcessor()
        let socket = try Socket(context: context, type: .router)
        try security?.secure(socket, domain: ClientRegistry.commandDomain)
        // A larger request drops the client's connection inside libzmq, before it is read.
        try socket.setOption(.maxMessageSize, Int64(maxRequestBytes))
        let monitorEndpoint = "inproc://channelcast-command-monitor-\(UUID().uuidString)"
        try socket.monitor(monitorEndpoint, kinds: .disconnected)
        let monitor = try Socket(context: context, type: .pair)
        try monitor.setOption(.linger, 0)
        try monitor.connect(monitorEndpoint)
        try socket.setOption(.linger, 0)
        try socket.setOption(.routerMandatory, true)
        try socket.setOption(.sendHighWaterMark, Self.replyHighWaterMark)
        try socket.bind(endpoint)
        return (socket, monitor, processor)
      },
      serve: { [self] socket, monitor, processor in
        serve(socket, monitor: monitor, processor: processor, clients: security?.registry)
        monitor.close()
        socket.close()
        processor.stop()
      })
  }

  /// Runs `work` on the command thread with its processor, between two runs of requests
  /// (within `idlePollMilliseconds` when the socket is quiet).
  func onCommandThread(_ work: @escaping @Sendable (CommandProcessor) -> Void) {
    mailbox.post(work)
  }

  /// Stops taking requests and waits for the thread to finish the one in hand and to stop the
  /// processor (fan-outs finished or timed out, final snapshot written).
  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }

  /// Serves requests until stopped. With CURVE (`clients` given) each request is made in the
  /// role of the key its connection authenticated with, looked up anew for every request so
  /// that a reload of the clients file applies to connected clients too; without, every
  /// client is an admin.
  private func serve(
    _ socket: Socket, monitor: Socket, processor: CommandProcessor, clients: ClientRegistry?
  ) {
    // Kept from run to run: receiving a request and holding its reply allocate nothing for
    // the frames once these have grown.
    var request = MultipartBuffer()
    request.readsUserID = clients != nil
    var replies = RunReplies()
    while !stopRequested.load(ordering: .relaxed) {
      loopTurnCount.add(1, ordering: .relaxed)
      mailbox.run(on: processor)
      do {
        let ready = try Poller.poll(
          [(socket, .readable), (monitor, .readable)],
          timeoutMilliseconds: Self.idlePollMilliseconds)
        if ready[1].contains(.readable) { countDisconnections(monitor, processor: processor) }
        guard ready[0].contains(.readable) else {
          processor.finishRun()  // journals the fan-outs that finished while it was quiet
          continue
        }
        // Take what has arrived (up to a run's worth) before looking at the stop flag again.
        // The run's events go to the shards together, then its replies go out together, so
        // that libzmq's I/O thread is woken once for the run rather than once per reply.
        var received = 0
        while received < Self.requestsPerRun,
          try socket.receiveMultipart(
            into: &request, maxFrames: Self.maximumFrames, dontWait: true)
        {
          received += 1
          let role = clients?.role(ofUserID: request.userID) ?? .admin
          answer(request, as: role, processor: processor, into: &replies)
        }
        processor.finishRun()
        replies.sendAll { routingFrames, reply in send(reply, after: routingFrames, on: socket) }
      } catch  where error.isTerminated {
        return
      } catch {
        logger.error("command socket failed: \(error)")
        return
      }
    }
  }

  /// Tells the processor of each client connection that ended: clients that went away, and
  /// clients libzmq dropped for a message over `maxRequestBytes` (which gets no reply).
  private func countDisconnections(_ monitor: Socket, processor: CommandProcessor) {
    while let event = try? SocketEvent.read(from: monitor) {
      if event.isDisconnection { processor.clientDisconnected() }
    }
  }

  /// Answers one request into `replies`, with the routing frames to send its reply after
  /// (nothing when there is nothing to answer). A request is `[routing frames..., "", request]`:
  /// one routing ID from a REQ or DEALER, more when it came through ROUTER/DEALER proxies, all
  /// echoed back with the delimiter. A DEALER that leaves out the delimiter sends
  /// `[routing ID, request]` and gets its reply the same way.
  private func answer(
    _ request: MultipartBuffer, as role: Role, processor: CommandProcessor,
    into replies: inout RunReplies
  ) {
    guard request.count >= 2 else { return }  // a routing ID alone: nothing to answer
    let frames = 0..<request.count
    let envelope: Range<Int>
    if let delimiter = frames.dropFirst().first(where: { request[$0].isEmpty }) {
      envelope = 0..<(delimiter + 1)
    } else {
      envelope = 0..<1
    }
    let body = envelope.upperBound..<request.count
    let reply: [UInt8]
    if request.truncated || body.count != 1 {
      let count = request.truncated ? "more than \(body.count)" : "\(body.count)"
      reply = ChannelCastService.malformedReply(
        "a request is exactly one frame holding a JSON object after the empty delimiter; "
          + "this one had \(count)")
    } else {
      reply = processor.handle(request[body.lowerBound], as: role)
    }
    replies.append(reply, after: envelope.lazy.map { request[$0] })
  }

  /// Sends a reply. With `ZMQ_ROUTER_MANDATORY` a full or vanished peer is an error instead of
  /// a silent drop: a client that stops reading gets `replySendPatienceMilliseconds` to catch
  /// up, then loses the reply with a warning; a client that went away is logged.
  private func send(_ reply: [UInt8], after envelope: [UnsafeRawBufferPointer], on socket: Socket) {
    var waited = 0
    while true {
      do {
        // Once the first frame is queued libzmq takes the rest of the message as well.
        if try socket.send(envelope[0], more: true, dontWait: true) {
          for frame in envelope.dropFirst() { try socket.send(frame, more: true) }
          try socket.send(reply)
          return
        }
      } catch  where error.code == EHOSTUNREACH {
        logger.debug("a client went away before its reply")
        return
      } catch {
        logger.warning("could not send a reply: \(error)")
        return
      }
      guard waited < Self.replySendPatienceMilliseconds else {
        logger.warning(
          "dropped a reply: the client has too many unread replies",
          metadata: ["unreadLimit": "\(Self.replyHighWaterMark)", "waitedMs": "\(waited)"])
        return
      }
      usleep(1000)
      waited += 1
    }
  }
}
