import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The daemon's ZAP handler: a thread that answers libzmq's authentication requests for the
/// command and delivery sockets from the `ClientRegistry`, and logs each refusal.
///
/// Ownership: the REP socket is made, bound, used and closed by the `cc-zap` thread alone.
/// It is bound before `init` returns, so before any socket that needs it.
final class ZAPAuthenticator: Sendable {
  private static let idlePollMilliseconds = 100
  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)

  /// Binds the handler in `context` and starts answering; `outcome` hears of every decision
  /// (its domain and whether the client was let in).
  init(
    context: ZMQContext, registry: ClientRegistry, logger: Logger,
    outcome: @escaping @Sendable (_ domain: String, _ allowed: Bool) -> Void
  ) throws {
    try SocketThread.start(
      name: "cc-zap", finished: finished,
      setUp: {
        let socket = try Socket(context: context, type: .rep)
        try socket.setOption(.linger, 0)
        try socket.bind(ZAP.endpoint)
        return socket
      },
      serve: { [self] socket in
        serve(socket, registry: registry, logger: logger, outcome: outcome)
        socket.close()
      })
  }

  /// Stops answering (call after the sockets that use it are closed) and waits for the thread.
  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }

  private func serve(
    _ socket: Socket, registry: ClientRegistry, logger: Logger,
    outcome: (_ domain: String, _ allowed: Bool) -> Void
  ) {
    while !stopRequested.load(ordering: .relaxed) {
      do {
        let ready = try Poller.poll(
          [(socket, .readable)], timeoutMilliseconds: Self.idlePollMilliseconds)
        guard ready[0].contains(.readable),
          let frames = try socket.receiveMultipart(maxFrames: 16, dontWait: true)?.frames
        else { continue }
        // libzmq sends only well-formed requests; a REP socket must answer each all the same.
        guard let request = ZAP.Request(frames: frames) else {
          _ = try socket.sendMultipart([Array("1.0".utf8), [], Array("500".utf8), [], [], []])
          continue
        }
        let (decision, client) = registry.decide(request)
        if case .deny(let reason) = decision {
          logger.warning(
            "refused a connection",
            metadata: [
              "client": "\(client)", "address": "\(request.address)", "reason": "\(reason)",
              "socket": "\(request.domain)",
            ])
          outcome(request.domain, false)
        } else {
          logger.debug(
            "authenticated", metadata: ["client": "\(client)", "socket": "\(request.domain)"])
          outcome(request.domain, true)
        }
        _ = try socket.sendMultipart(ZAP.reply(to: request, decision))
      } catch  where error.isTerminated {
        return
      } catch {
        // Without a handler bound libzmq would let every client in: stop the daemon instead.
        logger.critical(
          "the ZAP handler failed; stopping rather than serving unauthenticated: \(error)")
        exit(1)
      }
    }
  }
}
