import ChannelCastCore
import ChannelCastStorage
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The running daemon: the data directory, the delivery socket, the fan-out shards and the
/// command server, wired together. Start it with `init`; stop it with `shutdown()`, or run it as a `Service` in a
/// `ServiceGroup`, which stops it on SIGTERM or SIGINT.
public final class ChannelCastDaemon: Service {
  public let configuration: DaemonConfiguration
  private let logger: Logger
  private let context: ZMQContext
  private let deliverySocket: DeliverySocket
  private let fanOut: FanOut
  private let commandServer: CommandServer
  private let stopped = Atomic<Bool>(false)

  /// Locks the data directory, recovers the state from it, binds both sockets and starts
  /// serving. Throws if the directory is in use or damaged, or an endpoint cannot be bound.
  public init(configuration: DaemonConfiguration, logger: Logger) throws {
    self.configuration = configuration
    self.logger = logger
    let directory = try DataDirectory(path: configuration.dataDirectory)
    try IPCEndpointGuard.ensureUnused(configuration.commandEndpoint)
    try IPCEndpointGuard.ensureUnused(configuration.deliveryEndpoint)
    context = try ZMQContext()
    deliverySocket = try DeliverySocket(
      context: context, endpoint: configuration.deliveryEndpoint,
      highWaterMark: configuration.deliveryHighWaterMark, logger: logger)
    let userDirectory = UserDirectory()
    let fanOut = FanOut(
      shardCount: configuration.shards, directory: userDirectory, sink: deliverySocket)
    self.fanOut = fanOut
    do {
      commandServer = try CommandServer(
        context: context, endpoint: configuration.commandEndpoint, logger: logger
      ) { [configuration] in
        try CommandProcessor(
          service: ChannelCastService(
            limits: configuration.limits, fanOut: fanOut, directory: userDirectory),
          directory: directory, settings: configuration.persistence, fanOut: fanOut,
          shutdownTimeoutSeconds: configuration.shutdownTimeoutSeconds,
          resumeFanOutDelay: .milliseconds(configuration.resumeFanOutDelayMilliseconds),
          logger: logger)
      }
    } catch {
      deliverySocket.close()
      throw error
    }
    logger.info(
      "channelcastd \(ChannelCastService.version) serving",
      metadata: [
        "commandEndpoint": "\(configuration.commandEndpoint)",
        "deliveryEndpoint": "\(configuration.deliveryEndpoint)",
        "shards": "\(configuration.shards)",
      ])
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
    commandServer.stop()
    deliverySocket.close()
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
