extension Role {
  /// The ops a publisher may call, each for the official accounts its patterns cover.
  static let publisherOps: Set<String> = [
    "ping", "sendMessage", "recallMessages", "setOfficialAccountInfo", "getSubscribers",
    "getHistory",
  ]
  /// The ops a gateway may call: those acting for one user (`getHistory` only with a userID).
  static let gatewayOps: Set<String> = [
    "ping", "subscribeOfficialAccount", "unsubscribeOfficialAccount", "setSubscriptionOptions",
    "getOfficialAccountsInfo", "getHistory", "sendMessageToOfficialAccount",
  ]

  /// Throws `permission_denied` unless this role may make `request`. An unknown op, or a
  /// request whose officialAccountID is missing or malformed, passes: the op's own checks
  /// answer it with the precise error, and it changes nothing.
  func authorize(_ op: String, _ request: Request) throws(ChannelCastError) {
    if case .admin = self { return }
    guard RequestOutcome.knownOps.contains(op) else { return }
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
      if op == "getHistory", !request.has("userID") {
        throw ChannelCastError(
          .permissionDenied, "a gateway may call getHistory only with a userID",
          details: .init(field: "userID"))
      }
    case .publisher(let patterns):
      guard Self.publisherOps.contains(op) else {
        throw Self.denied(op, role: "publisher", allowed: Self.publisherOps)
      }
      guard op != "ping", let id = try? request.bytes("officialAccountID") else { return }
      guard patterns.contains(where: { $0.matches(id) }) else {
        throw ChannelCastError(
          .permissionDenied,
          "this publisher may not act on \(id); its official accounts are "
            + patterns.map(\.description).joined(separator: ", "),
          details: .init(field: "officialAccountID"))
      }
    }
  }

  private static func denied(_ op: String, role: String, allowed: Set<String>)
    -> ChannelCastError
  {
    ChannelCastError(
      .permissionDenied,
      "a \(role) may not call \(op); it may call \(allowed.sorted().joined(separator: ", "))",
      details: .init(field: "op"))
  }
}
