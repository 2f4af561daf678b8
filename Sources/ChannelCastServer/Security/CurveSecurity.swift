import ChannelCastCore
import ChannelCastKeys
import Logging
import ZeroMQ

/// CURVE on the daemon's sockets: the server's key pair, the clients that may connect, and the
/// ZAP handler that checks them. Made only when `serverKeyFile` is set.
final class CurveSecurity: Sendable {
  let serverKeys: CurveKeyPair
  let registry: ClientRegistry
  private let authenticator: ZAPAuthenticator

  /// Loads the server's key file and the clients file and binds the ZAP handler in `context`
  /// (before any socket that uses it is bound).
  init(
    configuration: DaemonConfiguration, context: ZMQContext, logger: Logger,
    metrics: DaemonMetrics
  ) throws {
    do {
      serverKeys = try CurveKeyPair.load(keyFile: configuration.serverKeyFile)
    } catch {
      throw ConfigurationError(key: "serverKeyFile", reason: "\(error)")
    }
    let clients = try ClientsFile.load(path: configuration.clientsFile)
    registry = ClientRegistry(clients)
    authenticator = try ZAPAuthenticator(context: context, registry: registry, logger: logger) {
      domain, allowed in metrics.recordAuthentication(domain: domain, allowed: allowed)
    }
    logger.info(
      "CURVE on: clients authenticate with their keys",
      metadata: [
        "serverPublicKey": "\(serverKeys.publicKey)", "clients": "\(clients.count)",
        "clientsFile": "\(configuration.clientsFile)",
      ])
  }

  /// Makes `socket` a CURVE server whose clients the ZAP handler checks in `domain`.
  func secure(_ socket: Socket, domain: String) throws(ZMQError) {
    try socket.setOption(.curveServer, true)
    try socket.setOption(.curveSecretKey, serverKeys.secretKey)
    try socket.setOption(.zapDomain, domain)
  }

  /// Re-reads the clients file; the old list stays if the file has a mistake (thrown).
  func reloadClients(from path: String) throws(ConfigurationError) -> Int {
    let clients = try ClientsFile.load(path: path)
    registry.replace(with: clients)
    return clients.count
  }

  /// The ZAP handler's thread (`cc-zap`), which its `DaemonPartService` ends once the sockets
  /// it serves are closed.
  var authenticationThread: DedicatedThread { authenticator.thread }
}
