/// The ops of the protocol: what a request's `op` field names.
public enum RequestOp: String, CaseIterable, Sendable {
  case ping
  case createOfficialAccount
  case listOfficialAccounts
  case setOfficialAccountInfo
  case deleteOfficialAccount
  case getOfficialAccountsInfo
  case subscribeOfficialAccount
  case unsubscribeOfficialAccount
  case setSubscriptionOptions
  case getSubscribers
  case sendMessage
  case sendMessageToOfficialAccount
  case recallMessages
  case getHistory
  case stats
  case backup

  /// The op whose name is the UTF-8 bytes `name`, or nil if the protocol has none by that name.
  /// It compares bytes, so that telling a request's op makes no string: the command thread does
  /// it for every request.
  public init?(name: UnsafeBufferPointer<UInt8>) {
    guard
      let entry = Self.names.first(where: { entry in
        entry.utf8.withUnsafeBufferPointer { JSONBytes.equal($0, name) }
      })
    else {
      return nil
    }
    self = entry.op
  }

  private static let names = allCases.map { (utf8: Array($0.rawValue.utf8), op: $0) }
}
