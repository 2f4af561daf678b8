/// What the last request was and how it ended, for the daemon's metrics: the op (one of the
/// protocol's, `unknown` for any other name, `none` when the request had no readable op) and
/// the result code (`ok` or an error code).
public struct RequestOutcome: Sendable, Hashable {
  public var op: String
  public var code: String

  /// Every op the protocol has: metric labels are limited to these.
  public static let knownOps: Set<String> = [
    "ping", "createOfficialAccount", "listOfficialAccounts", "setOfficialAccountInfo",
    "deleteOfficialAccount", "getOfficialAccountsInfo", "subscribeOfficialAccount",
    "unsubscribeOfficialAccount", "setSubscriptionOptions", "getSubscribers", "sendMessage",
    "sendMessageToOfficialAccount", "recallMessages", "getHistory", "stats", "backup",
  ]
}
