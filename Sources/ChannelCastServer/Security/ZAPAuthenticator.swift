import Foundation
import Logging
import ZeroMQ

/// The daemon's ZAP handler: a thread that answers libzmq's authentication requests for the
/// command and delivery sockets from the `ClientRegistry`, and logs each refusal.
///
/// Ownership: the REP socket is made, bound, used and closed by the `cc-zap` thread alone.
/// It is bound before `init` returns, so before any socket that needs it, and closed only when
/// the thread is asked to stop, after the sockets that use it (the ZAP handler's
/// `DaemonPartService` comes first in the daemon's group, which stops it last).
final class ZAPAuthenticator: Sendable {
  private static let idlePollMilliseconds = 100
  /// The `cc-zap` thread.
  let thread: DedicatedThread

  /// Binds the handler in `context` and starts answering; `outcome` hears of every decision
  /// (its domain and whether the client was let in).
  init(
    context: ZMQContext, registry: ClientRegistry, logger: Logger,
    outcome: @escaping @Sendable (_ domain: String, _ allowed: Bool) -> Void
  ) throws {
    thread = try DedicatedThread.start(
      name: "cc-zap",
      setUp: {
        let socket = try Socket(context: context, type: .rep)
        try socket.setOption(.linger, 0)
        try socket.bind(ZAP.endpoint)
        return socket
      },
      serve: { socket, thread in
        defer { socket.close() }
        Self.serve(socket, until: thread, registry: registry, logger: logger, outcome: outcome)
      })
  }

  /// Answers until `thread` is asked to stop. If the socket fails, the thread reports the
  /// failure (which stops the daemon) and keeps the socket bound but unanswered until it is
  /// asked to stop: with no handler bound libzmq would let every client in, whereas with one
  /// that does not answer it admits no one.
  private static func serve(
    _ socket: Socket, until thread: DedicatedThread, registry: ClientRegistry, logger: Logger,
    outcome: (_ domain: String, _ allowed: Bool) -> Void
  ) {
    while !thread.isStopRequested {
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
        logger.critical(
          "the ZAP handler failed; stopping rather than serving unauthenticated: \(error)")
        thread.reportFailure(DaemonPartError.authenticationFailed(error))
        while !thread.isStopRequested { usleep(100_000) }
        return
      }
    }
  }
}
