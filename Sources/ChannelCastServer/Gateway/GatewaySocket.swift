import ChannelCastCore
import ChannelCastProtocol
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The gateway socket (`gatewayEndpoint`): a ROUTER socket where gateways say which users are
/// online on them and receive each broadcast once, as batches of those users
/// (docs/protocol.md, Gateway socket).
///
/// Ownership: the socket, its monitor and the session table belong to the `cc-gateway` thread
/// alone, which answers requests and sends what the shards queued in the sessions' outboxes
/// (`GatewayOutboxes`). The shards reach it only through the outboxes and `completions`, and
/// wake it with `wake`; attach and detach reach the shards through `FanOut`, whose presence
/// indexes each shard owns.
final class GatewaySocket: Sendable {
  /// The `cc-gateway` thread, which the gateway socket's `DaemonPartService` owns and ends.
  let thread: DedicatedThread
  let outboxes: GatewayOutboxes

  struct Settings {
    var endpoint: String
    var heartbeatSeconds: Int
    var highWaterMark: Int
    var batchMaxUsers: Int
    var maxRequestBytes: Int
  }

  /// Binds the socket (a CURVE server admitting `gateway` and `admin` keys when `security` is
  /// given) and starts serving, taking requests once `readiness` says the state is recovered. `outboxes` must be the gateway sink `fanOut` was made with, and
  /// `wake` the signal they were given.
  init(
    context: ZMQContext, settings: Settings, outboxes: GatewayOutboxes, wake: WakeSignal,
    fanOut: FanOut, security: CurveSecurity?, readiness: Readiness, logger: Logger
  ) throws {
    self.outboxes = outboxes
    thread = try DedicatedThread.start(
      name: "cc-gateway",
      setUp: {
        let socket = try Socket(context: context, type: .router)
        try security?.secure(socket, domain: ClientRegistry.gatewayDomain)
        try socket.setOption(.maxMessageSize, Int64(settings.maxRequestBytes))
        if settings.heartbeatSeconds > 0 {
          // No ZMQ_HEARTBEAT_TTL: a gateway told one times the connection out from its side
          // too, and libzmq 4.3.4 aborts a process whose heartbeat times out while it has
          // stopped reading a full queue (zeromq/libzmq#4364): a slow gateway would crash.
          let interval = Int32(settings.heartbeatSeconds * 1000)
          try socket.setOption(.heartbeatInterval, interval)
          try socket.setOption(.heartbeatTimeout, interval * 3)
        }
        let monitorEndpoint = "inproc://channelcast-gateway-monitor-\(UUID().uuidString)"
        try socket.monitor(monitorEndpoint, kinds: .disconnected)
        let monitor = try Socket(context: context, type: .pair)
        try monitor.setOption(.linger, 0)
        try monitor.connect(monitorEndpoint)
        try socket.setOption(.linger, 0)
        try socket.setOption(.routerMandatory, true)
        try socket.setOption(.sendHighWaterMark, Int32(clamping: settings.highWaterMark))
        try socket.bind(settings.endpoint)
        return (socket, monitor)
      },
      serve: { resources, thread in
        let (socket, monitor) = resources
        defer {
          outboxes.closeAll()
          monitor.close()
          socket.close()
        }
        var loop = GatewayServingLoop(
          socket: socket, monitor: monitor, wake: wake, outboxes: outboxes, fanOut: fanOut,
          clients: security?.registry, settings: settings, readiness: readiness, logger: logger)
        try loop.serve(until: thread)
      })
  }

  /// Stops waiting for full gateways and asks the thread to stop; returns at once.
  func requestClose() {
    outboxes.closeAll()
    thread.requestStop()
  }
}

/// What a shard's completion of a presence change hands the `cc-gateway` thread.
enum GatewayCompletion: Sendable {
  /// A reply for the session `number` at `routingID` (sent behind its queued batches).
  case reply([UInt8], to: [UInt8], session: GatewayNumber)
  /// A session's attachments are all dropped: its number may be reused; `reply` (a `bye`'s)
  /// goes out directly.
  case released(GatewayNumber, reply: (bytes: [UInt8], to: [UInt8])?)
}

/// Completions posted by the shards, taken by the `cc-gateway` thread.
///
/// `@unchecked Sendable`: `posted` is read and written under `lock` (an `NSLock`, which
/// ThreadSanitizer understands).
final class GatewayCompletions: @unchecked Sendable {
  private let lock = NSLock()
  private var posted: [GatewayCompletion] = []
  private let wake: WakeSignal

  init(wake: WakeSignal) {
    self.wake = wake
  }

  func post(_ completion: GatewayCompletion) {
    lock.withLock { posted.append(completion) }
    wake.signal()
  }

  func takeAll() -> [GatewayCompletion] {
    lock.withLock {
      defer { posted.removeAll() }
      return posted
    }
  }
}
