import ChannelCastCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

/// The command thread's serving loop: takes the requests that have arrived, a run at a time,
/// has the processor answer them, and sends the replies once the run's records are journaled.
///
/// Ownership: made and used on the command thread (`cc-command`), like the sockets and the
/// processor it holds.
struct CommandServingLoop {
  /// How often the thread looks up from a quiet socket to see whether it should stop.
  private static let idlePollMilliseconds = 100
  /// Frames read of one message: routing IDs (one per proxy hop), the empty delimiter and the
  /// request. A message with more is answered with an error, its extra frames not kept.
  private static let maximumFrames = 16
  /// Requests handled before their events go to the shards and their replies to the clients:
  /// enough to save queue hops and wake-ups, few enough that a reply waits about a millisecond.
  private static let requestsPerRun = 256
  private static let replySendPatienceMilliseconds = 1000

  let socket: Socket
  let monitor: Socket
  let processor: CommandProcessor
  /// With CURVE, the keys and roles of the clients; nil without.
  let clients: ClientRegistry?
  let loopTurns: LoopTurnCount
  let mailbox: CommandThreadMailbox
  let logger: Logger

  /// Serves requests until `thread` is asked to stop (or the context is terminated). With CURVE
  /// (`clients` given) each request is made in the role of the key its connection
  /// authenticated with, looked up anew for every request so that a reload of the clients file
  /// applies to connected clients too; without, every client is an admin.
  ///
  /// Throws `DaemonPartError.journalNotWritten` as soon as a run's records could not be
  /// journaled, before the run's replies go out (the service hands none of its deliveries to the
  /// fan-out), and `DaemonPartError.commandSocketFailed` if the socket fails.
  func serve(until thread: DedicatedThread) throws(DaemonPartError) {
    // Kept from run to run: receiving a request and holding its reply allocate nothing for
    // the frames once these have grown.
    var request = MultipartBuffer()
    request.readsUserID = clients != nil
    var replies = RunReplies()
    let cluster = processor.cluster
    let wake = cluster.map { [$0.inbox.wake.descriptor] } ?? []
    while !thread.isStopRequested {
      loopTurns.advance()
      mailbox.run(on: processor)
      do {
        let ready = try Poller.poll(
          [(socket, .readable), (monitor, .readable)], readableDescriptors: wake,
          timeoutMilliseconds: Self.idlePollMilliseconds)
        if ready.sockets[1].contains(.readable) { countDisconnections() }
        if let cluster {
          cluster.inbox.wake.reset()
          try processor.clusterTurn()
        }
        // Take what has arrived (up to a run's worth) before looking at the stop flag again.
        // The run's events go to the shards together, then its replies go out together, so
        // that libzmq's I/O thread is woken once for the run rather than once per reply.
        // When nothing has, the run journals the fan-outs that finished while it was quiet.
        var received = 0
        while ready.sockets[0].contains(.readable), received < Self.requestsPerRun,
          try socket.receiveMultipart(
            into: &request, maxFrames: Self.maximumFrames, dontWait: true)
        {
          received += 1
          let role = clients?.role(ofUserID: request.userID) ?? .admin
          answer(request, as: role, into: &replies)
        }
        try processor.finishRun()
        replies.sendAll { routingFrames, reply in send(reply, after: routingFrames) }
        cluster?.sendReplies { routingFrames, reply in send(reply, after: routingFrames) }
      } catch let error as DaemonPartError {
        throw error
      } catch let error as ZMQError where error.isTerminated {
        return
      } catch let error as ZMQError {
        throw .commandSocketFailed(error)
      } catch {
        throw .endedUnexpectedly("command server (\(error))")
      }
    }
  }

  /// Tells the processor of each client connection that ended: clients that went away, and
  /// clients libzmq dropped for a message over `maxRequestBytes` (which gets no reply).
  private func countDisconnections() {
    while let event = try? SocketEvent.read(from: monitor) {
      if event.isDisconnection { processor.clientDisconnected() }
    }
  }

  /// Answers one request into `replies`, with the routing frames to send its reply after
  /// (nothing when there is nothing to answer). A request is `[routing frames..., "", request]`:
  /// one routing ID from a REQ or DEALER, more when it came through ROUTER/DEALER proxies, all
  /// echoed back with the delimiter. A DEALER that leaves out the delimiter sends
  /// `[routing ID, request]` and gets its reply the same way.
  private func answer(_ request: MultipartBuffer, as role: Role, into replies: inout RunReplies) {
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
    } else if let cluster = processor.cluster {
      switch cluster.route(
        request[body.lowerBound], as: role, routingFrames: envelope.lazy.map { request[$0] })
      {
      case .local: reply = processor.handle(request[body.lowerBound], as: role)
      case .decideHere(let frame): reply = processor.handle(frame[...], as: role)
      case .answered(let answer): reply = answer
      case .forwarded: return  // its reply comes back from the owner
      }
      if cluster.hold(reply, routingFrames: envelope.lazy.map { request[$0] }) { return }
    } else {
      reply = processor.handle(request[body.lowerBound], as: role)
    }
    replies.append(reply, after: envelope.lazy.map { request[$0] })
  }

  /// Sends a reply. With `ZMQ_ROUTER_MANDATORY` a full or vanished peer is an error instead of
  /// a silent drop: a client that stops reading gets `replySendPatienceMilliseconds` to catch
  /// up, then loses the reply with a warning; a client that went away is logged.
  private func send(_ reply: [UInt8], after envelope: [UnsafeRawBufferPointer]) {
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
          metadata: ["unreadLimit": "\(CommandServer.replyHighWaterMark)", "waitedMs": "\(waited)"])
        return
      }
      usleep(1000)
      waited += 1
    }
  }
}

/// Turns of the command thread's loop, read by the watchdog from its own thread.
final class LoopTurnCount: Sendable {
  private let count = Atomic<UInt64>(0)

  var value: UInt64 { count.load(ordering: .relaxed) }

  func advance() {
    count.add(1, ordering: .relaxed)
  }
}
