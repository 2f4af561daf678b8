import ChannelCastCore
import Foundation
import ZeroMQ

/// The keys the daemon accepts, with their roles: asked by the ZAP handler when a client
/// connects, and by the command thread for each request (a reload applies to the next request
/// of a client already connected).
///
/// Ownership: read by the ZAP thread and the command thread, replaced by a reload; `NSLock`
/// guards the table (a lock ThreadSanitizer understands).
final class ClientRegistry: @unchecked Sendable {
  /// The ZAP domains of the two sockets: the command socket takes every known key, the
  /// delivery socket only the keys whose role may receive deliveries.
  static let commandDomain = "channelcast-command"
  static let deliveryDomain = "channelcast-delivery"
  /// The event feed's domain: admins only (every record of every channel).
  static let eventsDomain = "channelcast-events"
  /// The gateway socket's domain: the keys whose role receives deliveries (gateways, admins).
  static let gatewayDomain = "channelcast-gateway"

  private let lock = NSLock()
  private var clients: [String: AuthorizedClient]

  init(_ clients: [AuthorizedClient]) {
    self.clients = Self.table(clients)
  }

  var count: Int { lock.withLock { clients.count } }

  /// Puts a new list in force.
  func replace(with clients: [AuthorizedClient]) {
    let table = Self.table(clients)
    lock.withLock { self.clients = table }
  }

  /// The role of the client whose connection has `userID` (its Z85 public key, which the ZAP
  /// handler gave it): `revoked` once a reload removed the key.
  func role(ofUserID userID: String?) -> Role {
    guard let userID else { return .revoked }
    return lock.withLock { clients[userID]?.role } ?? .revoked
  }

  /// Whether the client asking to connect may: its key is listed, and for the delivery socket
  /// its role receives deliveries. The key becomes the connection's `User-Id`.
  func decide(_ request: ZAP.Request) -> (decision: ZAP.Decision, client: String) {
    guard let key = request.curvePublicKey, let publicKey = Z85.encode(key) else {
      return (.deny(reason: "not a CURVE client"), "\(request.mechanism) client")
    }
    guard let client = lock.withLock({ clients[publicKey] }) else {
      return (.deny(reason: "unknown key"), "unknown key \(publicKey)")
    }
    switch request.domain {
    case Self.commandDomain:
      return (.allow(userID: publicKey), client.name)
    case Self.deliveryDomain where client.role.mayConsumeDeliveries,
      Self.gatewayDomain where client.role.mayConsumeDeliveries:
      return (.allow(userID: publicKey), client.name)
    case Self.gatewayDomain:
      return (.deny(reason: "a \(client.role) may not act as a gateway"), client.name)
    case Self.deliveryDomain:
      return (.deny(reason: "a \(client.role) does not receive deliveries"), client.name)
    case Self.eventsDomain where client.role == .admin:
      return (.allow(userID: publicKey), client.name)
    case Self.eventsDomain:
      return (.deny(reason: "only an admin receives the event feed"), client.name)
    default:
      return (.deny(reason: "unknown ZAP domain \(request.domain)"), client.name)
    }
  }

  private static func table(_ clients: [AuthorizedClient]) -> [String: AuthorizedClient] {
    Dictionary(clients.map { ($0.publicKey, $0) }, uniquingKeysWith: { first, _ in first })
  }
}
