import ChannelCastCore
import Foundation
import Logging
import ZeroMQ

/// The command socket: a ROUTER socket served by one dedicated thread, which also owns the
/// `CommandProcessor` (and so the service, the whole in-memory state and its journal).
/// Requests are handled one at a time, in arrival order; a DEALER may pipeline many.
final class CommandServer: Sendable {
  /// Replies queued per client before the client must read some: the depth of pipelining.
  static let replyHighWaterMark: Int32 = 100_000

  private let loopTurnCount: LoopTurnCount
  private let mailbox: CommandThreadMailbox
  /// The `cc-command` thread, which the command server's `DaemonPartService` owns and ends.
  let thread: DedicatedThread

  /// Turns of the serving loop, at least one every 100 ms: the watchdog's sign that the
  /// command thread is alive.
  var loopTurns: UInt64 { loopTurnCount.value }

  /// Starts the thread, which makes the processor (recovering the state from disk), then binds
  /// the socket: no request is taken before recovery is done. Throws what either step threw.
  ///
  /// Asked to stop, the thread finishes the run of requests in hand, closes the socket and stops
  /// the processor (fan-outs finished or timed out, final snapshot written). A journal that
  /// cannot be written ends it at once, without the run's replies
  /// (`DaemonPartError.journalNotWritten`).
  init(
    context: ZMQContext, endpoint: String, maxRequestBytes: Int, security: CurveSecurity?,
    logger: Logger, makeProcessor: @escaping @Sendable () throws -> CommandProcessor
  ) throws {
    let loopTurnCount = LoopTurnCount()
    let mailbox = CommandThreadMailbox()
    self.loopTurnCount = loopTurnCount
    self.mailbox = mailbox
    thread = try DedicatedThread.start(
      name: "cc-command",
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
      serve: { resources, thread in
        let (socket, monitor, processor) = resources
        let loop = CommandServingLoop(
          socket: socket, monitor: monitor, processor: processor, clients: security?.registry,
          loopTurns: loopTurnCount, mailbox: mailbox, logger: logger)
        defer {
          monitor.close()
          socket.close()
          processor.stop()
        }
        try loop.serve(until: thread)
      })
  }

  /// Runs `work` on the command thread with its processor, between two runs of requests
  /// (within 100 ms when the socket is quiet).
  func onCommandThread(_ work: @escaping @Sendable (CommandProcessor) -> Void) {
    mailbox.post(work)
  }
}
