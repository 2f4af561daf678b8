/// What an authenticated client may do, from the role its key has in the clients file.
/// Without authentication every client is an `admin`.
public enum Role: Sendable, Equatable, CustomStringConvertible {
  /// Every operation.
  case admin
  /// `sendMessage`, `recallMessages`, `setOfficialAccountInfo`, `getSubscribers` and
  /// `getHistory`, for the official accounts its patterns cover.
  case publisher([OfficialAccountPattern])
  /// The per-user operations, and the delivery socket.
  case gateway
  /// A key that authenticated but has since been removed from the clients file: nothing.
  case revoked

  public var description: String {
    switch self {
    case .admin: "admin"
    case .publisher: "publisher"
    case .gateway: "gateway"
    case .revoked: "revoked"
    }
  }

  /// Whether the role may receive deliveries.
  public var mayConsumeDeliveries: Bool {
    switch self {
    case .admin, .gateway: true
    case .publisher, .revoked: false
    }
  }
}
