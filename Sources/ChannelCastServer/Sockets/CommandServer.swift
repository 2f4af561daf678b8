import ChannelCastCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The command socket: a ROUTER socket served by one dedicated thread, which also owns the
/// `ChannelCastService` (and so the whole in-memory state). Requests are handled one at a time,
/// in arrival order; a DEALER may pipeline many.
final class CommandServer: Sendable {
  /// How often the thread looks up from a quiet socket to see whether it should stop.
  private static let idlePollMilliseconds = 100
  /// A request is one frame after the routing ID and the empty delimiter; more is an error.
  private static let maximumFrames = 3

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
      let socket: Socket
      do {
        socket = try Socket(context: context, type: .router)
        try socket.setOption(.linger, 0)
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
    thread.name = "channelcast.command"
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
        // Take what has arrived before looking at the stop flag again.
        while let request = try socket.receiveMultipart(
          maxFrames: Self.maximumFrames, dontWait: true)
        {
          answer(request.frames, truncated: request.truncated, on: socket, service: service)
        }
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
    do {
      try socket.sendMultipart(envelope + [reply])
    } catch {
      logger.warning("could not send a reply: \(error)")
    }
  }
}
