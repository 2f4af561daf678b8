/// A change to the presence index of one shard, for the users of that shard.
enum PresenceChange: Sendable {
  case attach([UInt32], at: GatewayNumber)
  case detach([UInt32], from: GatewayNumber)
  /// The gateway's session ended: forget all its attachments.
  case removeGateway(GatewayNumber)

  /// Applies the change; returns how many attachments it made or removed.
  func apply(to presence: inout GatewayPresence) -> Int {
    switch self {
    case .attach(let users, let gateway):
      users.reduce(0) { $0 + (presence.attach($1, at: gateway) ? 1 : 0) }
    case .detach(let users, let gateway):
      users.reduce(0) { $0 + (presence.detach($1, from: gateway) ? 1 : 0) }
    case .removeGateway(let gateway):
      presence.removeGateway(gateway)
    }
  }
}
