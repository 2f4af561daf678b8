import ChannelCastCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

/// The command socket: a ROUTER socket served by one dedicated thread, which also owns the
/// `ChannelCastService` (and so the whole in-memory state). Requests are handled one at a time,
/// in arrival order; a DEALER may pipeline many.
final class CommandServer: Sendable {
  /// How often the thread looks up from a quiet socket to see whether it should stop.
  private static let idlePollMilliseconds = 100
  /// A request is one frame after the routing ID and the empty delimiter; more is an error.
  private static let maximumFrames = 3
  /// Requests handled before their events are handed to the shards: enough to save queue hops,
  /// few enough that an event waits well under a millisecond.
  private static let requestsPerRun = 256
  /// Replies queued per client before the client must read some: the depth of pipelining.
  static let replyHighWaterMark: Int32 = 100_000
  private static let replySendPatienceMilliseconds = 1000

  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  private let logger: Logger

  /// Binds the socket and starts the thread. The service is made on that thread, which owns it.
  init(
    context: ZMQContext, endpoint: String, logger: Logger,
    makeService: @escaping @Sendable () -> ChannelCastService
  ) throws {
    self.logger = logger
    let bound = DispatchSemaphore(value: 0)
    let bindError = Mutex<(any Error)?>(nil)
    let thread = Thread { [self] in
      // Named from inside: the name shows in `top -H` and in profiles (at most 15 bytes).
      Thread.current.name = "cc-command"
      let socket: Socket
      do {
        socket = try Socket(context: context, type: .router)
        try socket.setOption(.linger, 0)
        try socket.setOption(.routerMandatory, true)
        try socket.setOption(.sendHighWaterMark, Self.replyHighWaterMark)
        try socket.bind(endpoint)
      } catch {
        bindError.withLock { $0 = error }
        bound.signal()
        finished.signal()
        return
      }
      bound.signal()
      serve(socket, service: makeService())
      socket.close()
      finished.signal()
    }
    thread.start()
    bound.wait()
    if let error = bindError.withLock({ $0 }) { throw error }
  }

  /// Stops taking requests and waits for the thread to finish the one in hand.
  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }

  private func serve(_ socket: Socket, service: ChannelCastService) {
    while !stopRequested.load(ordering: .relaxed) {
      do {
        let ready = try Poller.poll(
          [(socket, .readable)], timeoutMilliseconds: Self.idlePollMilliseconds)
        guard ready[0].contains(.readable) else { continue }
        // Take what has arrived (up to a run's worth) before looking at the stop flag again;
        // the events of a run of requests go to the shards together.
        var handled = 0
        while handled < Self.requestsPerRun,
          let request = try socket.receiveMultipart(maxFrames: Self.maximumFrames, dontWait: true)
        {
          answer(request.frames, truncated: request.truncated, on: socket, service: service)
          handled += 1
        }
        service.submitPendingDeliveries()
      } catch  where error.isTerminated {
        return
      } catch {
        logger.error("command socket failed: \(error)")
        return
      }
    }
  }

  /// Replies to one request. Frames are `[routing ID, "", request]` from REQ and DEALER; a DEALER
  /// that leaves out the delimiter gets its reply without one.
  private func answer(
    _ frames: [[UInt8]], truncated: Bool, on socket: Socket, service: ChannelCastService
  ) {
    guard frames.count >= 2 else { return }  // a routing ID alone: nothing to answer
    let hasDelimiter = frames[1].isEmpty && (frames.count == 3 || truncated)
    let bodyFrames = frames.count - (hasDelimiter ? 2 : 1)
    let reply: [UInt8]
    if truncated || bodyFrames != 1 {
      reply = ChannelCastService.malformedReply(
        "a request is exactly one frame holding a JSON object; this one had "
          + (truncated ? "more than \(Self.maximumFrames - 2)" : "\(bodyFrames)") + " frames")
    } else {
      reply = service.handle(frames[frames.count - 1])
    }
    let envelope = hasDelimiter ? [frames[0], []] : [frames[0]]
    send(envelope + [reply], on: socket)
  }

  /// Sends a reply. With `ZMQ_ROUTER_MANDATORY` a full or vanished peer is an error instead of
  /// a silent drop: a client that stops reading gets `replySendPatienceMilliseconds` to catch
  /// up, then loses the reply with a warning; a client that went away is logged.
  private func send(_ frames: [[UInt8]], on socket: Socket) {
    var waited = 0
    while true {
      do {
        if try socket.sendMultipart(frames, dontWait: true) { return }
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
