import ChannelCastCore
import ChannelCastStorage
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The running daemon: the data directory, the delivery socket, the fan-out shards, the
/// command server, the ZAP handler, the metrics listener and the monitor, wired together.
///
/// `init` builds and starts the parts in dependency order, so that an address that cannot be
/// bound or data that cannot be recovered fail the start at once. `services` are the parts as
/// `Service`s in that order, for one `ServiceGroup`, which stops them in the reverse order on
/// SIGTERM or SIGINT, or when one of them fails; `shutdown()` stops them in the same order
/// without a group (the tests' way, and what is left after the group's run).
public final class ChannelCastDaemon: Sendable {
  private let currentConfiguration: Mutex<DaemonConfiguration>
  private let logLevel: LogLevelControl?
  private let logger: Logger
  private let context: ZMQContext
  /// CURVE and the ZAP handler, when `serverKeyFile` is set.
  private let security: CurveSecurity?
  private let deliverySocket: DeliverySocket
  /// The gateway socket; nil when `gatewayEndpoint` is empty.
  private let gatewaySocket: GatewaySocket?
  private let fanOut: FanOut
  private let commandServer: CommandServer
  private let metricsServer: MetricsHTTPServer?
  /// The parts, in the order they start: each stops after the ones that follow it.
  private let parts: [DaemonPartService]
  private let stopped = Atomic<Bool>(false)

  /// The configuration in force (the one it started with, or the last reload's).
  public var configuration: DaemonConfiguration { currentConfiguration.withLock { $0 } }

  /// The largest gateway request: an attach of 10,000 users of 64 bytes, escaped.
  static let gatewayRequestBytes = 2 << 20

  /// The settings a reload applies while running; the others need a restart.
  public static let liveKeys = Set(ConfigurationKey.reloadable.map(\.name))

  /// The keys this daemon applies on reload: `clientsFile` only when CURVE is on (turning it on
  /// takes a restart).
  private var appliedLive: Set<String> {
    security == nil ? Self.liveKeys.subtracting(["clientsFile"]) : Self.liveKeys
  }

  /// The gateway sessions in force, the users attached at them, and what the gateway socket
  /// sent and dropped; nil when it is off.
  var gatewayStatus: (sessions: Int, attachedUsers: Int, totals: GatewayCounts.Totals)? {
    gatewaySocket.map {
      (
        $0.outboxes.counts.sessions.load(ordering: .relaxed), fanOut.attachedUsers,
        $0.outboxes.totals
      )
    }
  }

  /// The metrics listener's address with its actual port, nil when it is off.
  public var metricsAddress: String? { metricsServer?.boundAddress }

  /// The daemon's parts as services, in dependency order: the ZAP handler (with CURVE), the
  /// delivery socket, the gateway socket (when on), the metrics listener (when on), the events
  /// publisher (when on), the command server, the monitor. A
  /// `ServiceGroup` stops them in the reverse order: the monitor (`STOPPING=1`, `/readyz`
  /// 503), the command server (no new commands, fan-outs finished or timed out, journal
  /// closed, snapshot written), the metrics listener, the delivery socket, the ZAP handler.
  /// Each part's run throws if the part fails by itself (the journal refuses a write, a socket
  /// fails): run them with `failureTerminationBehavior: .gracefullyShutdownGroup`.
  public var services: [any Service] { parts }

  /// Checks the security and cluster settings, locks the data directory, loads the keys and
  /// starts the ZAP handler (with CURVE), binds the delivery socket and the metrics listener
  /// (whose `/readyz` answers 503 meanwhile), recovers the state, binds the command socket and
  /// starts serving. Throws if an exposed endpoint lacks CURVE, cluster mode lacks a node name
  /// or its owner timeout is shorter than three heartbeats, a key file or the clients file is
  /// wrong, the directory is in use or damaged, or an address cannot be bound; the parts started
  /// by then are stopped again, in order.
  public init(
    configuration: DaemonConfiguration, logger: Logger,
    notifier: SystemdNotifier = SystemdNotifier(), logLevel: LogLevelControl? = nil
  ) throws {
    currentConfiguration = Mutex(configuration)
    self.logLevel = logLevel
    self.logger = logger
    try configuration.validateSecurity()
    try configuration.validateCluster()
    let directory = try DataDirectory(path: configuration.dataDirectory)
    try IPCEndpointGuard.ensureUnused(configuration.commandEndpoint)
    try IPCEndpointGuard.ensureUnused(configuration.deliveryEndpoint)
    try IPCEndpointGuard.ensureUnused(configuration.eventsEndpoint)
    try IPCEndpointGuard.ensureUnused(configuration.gatewayEndpoint)
    let context = try ZMQContext()
    self.context = context
    let metrics = DaemonMetrics()
    let readiness = Readiness()
    var parts: [DaemonPartService] = []
    do {
      let security =
        configuration.requiresCurve
        ? try CurveSecurity(
          configuration: configuration, context: context, logger: logger, metrics: metrics)
        : nil
      self.security = security
      if let security {
        parts.append(DaemonPartService("ZAP handler", thread: security.authenticationThread))
      } else if !configuration.exposedEndpoints.isEmpty {
        logger.warning(
          """
          serving without CURVE on endpoints other machines can reach (allowInsecure = true): \
          anyone who reaches them can broadcast or read deliveries
          """,
          metadata: ["endpoints": "\(configuration.exposedEndpoints)"])
      }
      let deliverySocket = try DeliverySocket(
        context: context, endpoint: configuration.deliveryEndpoint,
        highWaterMark: configuration.deliveryHighWaterMark,
        sendBufferBytes: configuration.deliverySendBufferBytes,
        policy: configuration.slowConsumerPolicy,
        graceMilliseconds: configuration.slowConsumerGraceMilliseconds, security: security,
        logger: logger)
      self.deliverySocket = deliverySocket
      parts.append(
        DaemonPartService(
          "delivery socket", thread: deliverySocket.thread,
          beforeStop: deliverySocket.requestClose))
      let userDirectory = UserDirectory()
      // The gateway outboxes are the fan-out's second sink, and the gateway socket's thread
      // hands attachments to the fan-out: made in that order, the thread started last.
      let gatewayWake = configuration.gatewayEndpoint.isEmpty ? nil : try WakeSignal()
      let gatewayOutboxes = gatewayWake.map { wake in
        GatewayOutboxes(
          batchMaxUsers: configuration.gatewayBatchMaxUsers,
          policy: configuration.slowConsumerPolicy,
          graceMilliseconds: configuration.slowConsumerGraceMilliseconds, logger: logger,
          wake: { wake.signal() })
      }
      // Cluster mode: this node delivers to the users of the user partitions it serves.
      let cluster = configuration.clusterSettings.map { settings in
        (
          settings: settings,
          scope: DeliveryScope(
            partitions: ClusterPartitions(
              channelPartitions: settings.channelPartitions,
              userPartitions: settings.userPartitions))
        )
      }
      let fanOut = FanOut(
        shardCount: configuration.shards, directory: userDirectory, sink: deliverySocket,
        gatewaySink: gatewayOutboxes, scope: cluster?.scope,
        broadcastFinished: { metrics.recordFanOut($0) })
      self.fanOut = fanOut
      let gatewaySocket = try gatewayOutboxes.map { outboxes in
        try GatewaySocket(
          context: context,
          settings: .init(
            endpoint: configuration.gatewayEndpoint,
            heartbeatSeconds: configuration.gatewayHeartbeatSeconds,
            highWaterMark: configuration.gatewayHighWaterMark,
            batchMaxUsers: configuration.gatewayBatchMaxUsers,
            maxRequestBytes: max(configuration.maxRequestBytes, Self.gatewayRequestBytes)),
          outboxes: outboxes, wake: gatewayWake!, fanOut: fanOut, security: security,
          readiness: readiness, logger: logger)
      }
      self.gatewaySocket = gatewaySocket
      if let gatewaySocket {
        parts.append(
          DaemonPartService(
            "gateway socket", thread: gatewaySocket.thread, beforeStop: gatewaySocket.requestClose
          ))
      }
      // Made whether the gateway socket is on or not, so that its metrics always show.
      let gatewayMetrics = GatewayMetrics(factory: metrics.factory)
      let metricsServer =
        configuration.metricsAddress.isEmpty
        ? nil
        : try MetricsHTTPServer(address: configuration.metricsAddress, logger: logger) {
          HealthEndpoints.respond(
            to: $0, metrics: metrics, fanOut: fanOut, deliverySocket: deliverySocket,
            gateways: (gatewayMetrics, gatewaySocket?.outboxes.counts), readiness: readiness)
        }
      self.metricsServer = metricsServer
      if let metricsServer {
        parts.append(DaemonPartService("metrics listener", thread: metricsServer.thread))
      }
      let eventPublisher = try EventPublisher.startIfConfigured(
        configuration, context: context, security: security, metrics: metrics, logger: logger)
      if let eventPublisher {
        parts.append(DaemonPartService("events publisher", thread: eventPublisher.thread))
      }
      notifier.notify("STATUS=recovering from \(configuration.dataDirectory)")
      let commandServer = try CommandServer(
        context: context, endpoint: configuration.commandEndpoint,
        maxRequestBytes: configuration.maxRequestBytes, security: security, logger: logger
      ) { [configuration] in
        try CommandProcessor(
          limits: configuration.limits, users: userDirectory, directory: directory,
          settings: configuration.persistence, fanOut: fanOut,
          shutdownTimeoutSeconds: configuration.shutdownTimeoutSeconds,
          resumeFanOutDelay: .milliseconds(configuration.resumeFanOutDelayMilliseconds),
          logger: logger, metrics: metrics, eventFeed: eventPublisher?.queue, cluster: cluster)
      }
      self.commandServer = commandServer
      parts.append(DaemonPartService("command server", thread: commandServer.thread))
      let monitor = try DaemonMonitor.start(
        notifier: notifier, watchdogInterval: SystemdNotifier.watchdogInterval(),
        liveness: Liveness(
          fanOut: fanOut, commandLoopTurns: { commandServer.loopTurns },
          backPressureWaits: {
            deliverySocket.backPressureWaits
              &+ (gatewaySocket?.outboxes.totals.backPressureWaits ?? 0)
          }),
        fanOut: fanOut, broadcasts: { metrics.broadcastsSoFar }, logger: logger)
      // The first part to stop announces the stop: to systemd, to `/readyz` and in the log.
      let announcedStopping = Atomic<Bool>(false)
      parts.append(
        DaemonPartService("monitor", thread: monitor) {
          guard !announcedStopping.exchange(true, ordering: .relaxed) else { return }
          logger.info("stopping: no new commands; finishing fan-outs in flight")
          notifier.notify("STOPPING=1\nSTATUS=stopping: finishing fan-outs, writing a snapshot")
          readiness.isReady = false
          metrics.setReady(false)
        })
    } catch {
      for part in parts.reversed() { part.stop() }
      throw error
    }
    self.parts = parts
    readiness.isReady = true
    metrics.setReady(true)
    notifier.notify("READY=1\nSTATUS=serving")
    logger.info(
      "channelcastd \(ChannelCastService.version) serving",
      metadata: [
        "commandEndpoint": "\(configuration.commandEndpoint)",
        "deliveryEndpoint": "\(configuration.deliveryEndpoint)",
        "shards": "\(configuration.shards)",
        "metricsAddress": "\(metricsServer?.boundAddress ?? "off")",
        "eventsEndpoint":
          "\(configuration.eventsEndpoint.isEmpty ? "off" : configuration.eventsEndpoint)",
        "gatewayEndpoint":
          "\(configuration.gatewayEndpoint.isEmpty ? "off" : configuration.gatewayEndpoint)",
        "curve": "\(security == nil ? "off" : "on")",
      ])
  }

  /// Applies a reloaded configuration: the keys in `liveKeys` at once (the log level first,
  /// the limits and history retention on the command thread within 100 ms, the clients file,
  /// re-read even when its path is the same, from the next request), and logs the changes to
  /// other keys as needing a restart. Returns the changed keys of each kind. Throws, and changes
  /// nothing, when the clients file has a mistake.
  @discardableResult
  public func reload(_ new: DaemonConfiguration) throws(ConfigurationError) -> (
    applied: [String], needRestart: [String]
  ) {
    if let security {
      var checked = new
      checked.serverKeyFile = configuration.serverKeyFile  // a new key needs a restart
      try checked.validateSecurity()
      let count = try security.reloadClients(from: new.clientsFile)
      logger.notice("clients file re-read", metadata: ["clients": "\(count)"])
    }
    let old = configuration
    let changed = ConfigurationKey.all.filter { $0.current(old) != $0.current(new) }
    let live = appliedLive
    let applied = changed.filter { live.contains($0.name) }
    let needRestart = changed.filter { !live.contains($0.name) }
    let inForce = old.takingLiveSettings(of: new, clientsFile: security != nil)
    currentConfiguration.withLock { $0 = inForce }
    logLevel?.level = inForce.logLevel
    deliverySocket.slowConsumerGraceMilliseconds = inForce.slowConsumerGraceMilliseconds
    gatewaySocket?.outboxes.slowConsumerGraceMilliseconds = inForce.slowConsumerGraceMilliseconds
    commandServer.onCommandThread { [inForce] processor in processor.apply(inForce) }
    logger.notice(
      "configuration reloaded",
      metadata: [
        "applied": "\(applied.map { "\($0.name)=\($0.current(new))" })",
        "needRestart": "\(needRestart.map { "\($0.name)=\($0.current(new))" })",
      ])
    if !needRestart.isEmpty {
      logger.warning(
        "some changed settings take effect only after a restart",
        metadata: ["keys": "\(needRestart.map(\.name))"])
    }
    return (applied.map(\.name), needRestart.map(\.name))
  }

  /// Stops the parts that still run, in the reverse of their order (see `services`), waiting
  /// for each: the monitor (`STOPPING=1`), the command server (no new commands; the fan-outs in
  /// flight finish, up to `shutdownTimeoutSeconds`; a snapshot is written), the metrics
  /// listener, the delivery socket, the ZAP handler. Then logs what the fan-out sent and
  /// dropped. Safe to call more than once, and after a `ServiceGroup` has run the parts.
  public func shutdown() {
    guard
      stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        .exchanged
    else { return }
    for part in parts.reversed() { part.stop() }
    _ = fanOut.waitUntilDrained()
    logger.info(
      "stopped",
      metadata: [
        "deliveriesSent": "\(fanOut.deliveriesSent)",
        "deliveriesDropped": "\(fanOut.deliveriesDropped)",
      ])
  }

  deinit {
    shutdown()
  }
}
