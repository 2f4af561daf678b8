import ChannelCastProtocol

extension Role {
  /// The ops a publisher may call, each for the official accounts its patterns cover.
  static let publisherOps: Set<RequestOp> = [
    .ping, .sendMessage, .recallMessages, .setOfficialAccountInfo, .getSubscribers, .getHistory,
  ]
  /// The ops a gateway may call: those acting for one user (`getHistory` only with a userID).
  static let gatewayOps: Set<RequestOp> = [
    .ping, .subscribeOfficialAccount, .unsubscribeOfficialAccount, .setSubscriptionOptions,
    .getOfficialAccountsInfo, .getHistory, .sendMessageToOfficialAccount,
  ]

  /// Throws `permission_denied` unless this role may make `request`, whose op is `op`. A
  /// request whose officialAccountID is missing or malformed passes: the op's own checks
  /// answer it with the precise error, and it changes nothing. (An unknown op never gets here:
  /// it is `unknown_op` for everyone.)
  func authorize(_ op: RequestOp, _ request: Request) throws(ChannelCastError) {
    switch self {
    case .admin:
      return
    case .revoked:
      throw ChannelCastError(
        .permissionDenied, "this client's key is no longer in the daemon's clients file")
    case .gateway:
      guard Self.gatewayOps.contains(op) else {
        throw Self.denied(op, role: "gateway", allowed: Self.gatewayOps)
      }
      if op == .getHistory, !request.has("userID") {
        throw ChannelCastError(
          .permissionDenied, "a gateway may call getHistory only with a userID",
          details: .init(field: "userID"))
      }
    case .publisher(let patterns):
      guard Self.publisherOps.contains(op) else {
        throw Self.denied(op, role: "publisher", allowed: Self.publisherOps)
      }
      guard op != .ping, let id = try? request.bytes("officialAccountID") else { return }
      guard patterns.contains(where: { $0.matches(id) }) else {
        throw ChannelCastError(
          .permissionDenied,
          "this publisher may not act on \(id); its official accounts are "
            + patterns.map(\.description).joined(separator: ", "),
          details: .init(field: "officialAccountID"))
      }
    }
  }

  private static func denied(_ op: RequestOp, role: String, allowed: Set<RequestOp>)
    -> ChannelCastError
  {
    ChannelCastError(
      .permissionDenied,
      "a \(role) may not call \(op.rawValue); it may call "
        + allowed.map(\.rawValue).sorted().joined(separator: ", "),
      details: .init(field: "op"))
  }
}
