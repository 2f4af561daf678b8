import ChannelCastCore
import ChannelCastStorage
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The running daemon: the data directory, the delivery socket, the fan-out shards, the
/// command server and the metrics listener, wired together. Start it with `init`; stop it with
/// `shutdown()`, or run it as a `Service` in a `ServiceGroup`, which stops it on SIGTERM or
/// SIGINT.
public final class ChannelCastDaemon: Service {
  private let currentConfiguration: Mutex<DaemonConfiguration>
  private let logLevel: LogLevelControl?
  private let logger: Logger
  private let context: ZMQContext
  /// CURVE and the ZAP handler, when `serverKeyFile` is set.
  private let security: CurveSecurity?
  private let deliverySocket: DeliverySocket
  private let fanOut: FanOut
  private let commandServer: CommandServer
  private let metrics: DaemonMetrics
  private let metricsServer: MetricsHTTPServer?
  private let readiness: Readiness
  private let notifier: SystemdNotifier
  private let monitor: DaemonMonitor
  private let stopped = Atomic<Bool>(false)

  /// The configuration in force (the one it started with, or the last reload's).
  public var configuration: DaemonConfiguration { currentConfiguration.withLock { $0 } }

  /// The settings a reload applies while running; the others need a restart.
  public static let liveKeys = Set(ConfigurationKey.reloadable.map(\.name))

  /// The keys this daemon applies on reload: `clientsFile` only when CURVE is on (turning it on
  /// takes a restart).
  private var appliedLive: Set<String> {
    security == nil ? Self.liveKeys.subtracting(["clientsFile"]) : Self.liveKeys
  }

  /// The metrics listener's address with its actual port, nil when it is off.
  public var metricsAddress: String? { metricsServer?.boundAddress }

  /// Checks the security settings, locks the data directory, loads the keys and starts the ZAP
  /// handler (with CURVE), binds the delivery socket and the metrics listener (whose `/readyz`
  /// answers 503 meanwhile), recovers the state, binds the command socket and starts serving.
  /// Throws if an exposed endpoint lacks CURVE, a key file or the clients file is wrong, the
  /// directory is in use or damaged, or an address cannot be bound.
  public init(
    configuration: DaemonConfiguration, logger: Logger,
    notifier: SystemdNotifier = SystemdNotifier(), logLevel: LogLevelControl? = nil
  ) throws {
    currentConfiguration = Mutex(configuration)
    self.logLevel = logLevel
    self.logger = logger
    self.notifier = notifier
    try configuration.validateSecurity()
    let directory = try DataDirectory(path: configuration.dataDirectory)
    try IPCEndpointGuard.ensureUnused(configuration.commandEndpoint)
    try IPCEndpointGuard.ensureUnused(configuration.deliveryEndpoint)
    context = try ZMQContext()
    let metrics = DaemonMetrics()
    self.metrics = metrics
    let security =
      configuration.requiresCurve
      ? try CurveSecurity(
        configuration: configuration, context: context, logger: logger, metrics: metrics)
      : nil
    self.security = security
    if security == nil, !configuration.exposedEndpoints.isEmpty {
      logger.warning(
        """
        serving without CURVE on endpoints other machines can reach (allowInsecure = true): \
        anyone who reaches them can broadcast or read deliveries
        """,
        metadata: ["endpoints": "\(configuration.exposedEndpoints)"])
    }
    do {
      deliverySocket = try DeliverySocket(
        context: context, endpoint: configuration.deliveryEndpoint,
        highWaterMark: configuration.deliveryHighWaterMark,
        sendBufferBytes: configuration.deliverySendBufferBytes,
        policy: configuration.slowConsumerPolicy,
        graceMilliseconds: configuration.slowConsumerGraceMilliseconds, security: security,
        logger: logger)
    } catch {
      security?.stop()
      throw error
    }
    let userDirectory = UserDirectory()
    let fanOut = FanOut(
      shardCount: configuration.shards, directory: userDirectory, sink: deliverySocket,
      broadcastFinished: { metrics.recordFanOut($0) })
    self.fanOut = fanOut
    let readiness = Readiness()
    self.readiness = readiness
    let deliverySocket = deliverySocket
    do {
      metricsServer =
        configuration.metricsAddress.isEmpty
        ? nil
        : try MetricsHTTPServer(address: configuration.metricsAddress, logger: logger) {
          HealthEndpoints.respond(
            to: $0, metrics: metrics, fanOut: fanOut, deliverySocket: deliverySocket,
            readiness: readiness)
        }
    } catch {
      deliverySocket.close()
      security?.stop()
      throw error
    }
    notifier.notify("STATUS=recovering from \(configuration.dataDirectory)")
    do {
      commandServer = try CommandServer(
        context: context, endpoint: configuration.commandEndpoint,
        maxRequestBytes: configuration.maxRequestBytes, security: security, logger: logger
      ) { [configuration] in
        try CommandProcessor(
          service: ChannelCastService(
            limits: configuration.limits, fanOut: fanOut, directory: userDirectory),
          directory: directory, settings: configuration.persistence, fanOut: fanOut,
          shutdownTimeoutSeconds: configuration.shutdownTimeoutSeconds,
          resumeFanOutDelay: .milliseconds(configuration.resumeFanOutDelayMilliseconds),
          logger: logger, metrics: metrics)
      }
    } catch {
      metricsServer?.stop()
      deliverySocket.close()
      security?.stop()
      throw error
    }
    readiness.isReady = true
    metrics.setReady(true)
    notifier.notify("READY=1\nSTATUS=serving")
    let commandServer = commandServer
    monitor = DaemonMonitor(
      notifier: notifier, watchdogInterval: SystemdNotifier.watchdogInterval(),
      liveness: Liveness(
        fanOut: fanOut, commandLoopTurns: { commandServer.loopTurns },
        backPressureWaits: { deliverySocket.backPressureWaits }),
      fanOut: fanOut, broadcasts: { metrics.broadcastsSoFar }, logger: logger)
    logger.info(
      "channelcastd \(ChannelCastService.version) serving",
      metadata: [
        "commandEndpoint": "\(configuration.commandEndpoint)",
        "deliveryEndpoint": "\(configuration.deliveryEndpoint)",
        "shards": "\(configuration.shards)",
        "metricsAddress": "\(metricsServer?.boundAddress ?? "off")",
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

  /// Runs until a graceful shutdown is requested, then stops cleanly.
  public func run() async throws {
    try await gracefulShutdown()
    shutdown()
  }

  /// Stops taking commands, lets the fan-outs in flight finish (up to `shutdownTimeoutSeconds`),
  /// writes a snapshot, then closes the sockets. Safe to call more than once.
  public func shutdown() {
    guard
      stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        .exchanged
    else { return }
    logger.info("stopping: no new commands; finishing fan-outs in flight")
    notifier.notify("STOPPING=1\nSTATUS=stopping: finishing fan-outs, writing a snapshot")
    monitor.stop()
    readiness.isReady = false
    metrics.setReady(false)
    commandServer.stop()
    deliverySocket.close()
    security?.stop()
    metricsServer?.stop()
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
