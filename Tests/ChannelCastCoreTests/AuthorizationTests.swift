import ChannelCastProtocol
import Foundation
import Testing

@testable import ChannelCastCore

/// Which ops each role may call, driven through `ChannelCastService.handle(_:as:)`: a request
/// outside the role is answered `permission_denied` and changes nothing.
@Suite struct AuthorizationTests {
  private let service: ChannelCastService
  private let publisher = Role.publisher([
    try! OfficialAccountPattern("@TOA#_news"), try! OfficialAccountPattern("@TOA#_shop*"),
  ])

  init() {
    let directory = UserDirectory()
    let fanOut = FanOut(shardCount: 2, directory: directory, sink: RecordingSink())
    service = .withEmptyState(fanOut: fanOut, directory: directory)
    for id in ["@TOA#_news", "@TOA#_shop-1", "@TOA#_other"] {
      #expect(
        code(
          #"{"op":"createOfficialAccount","officialAccountID":"\#(id)","ownerUserID":"o","officialAccountName":"N"}"#
        ) == "ok")
      #expect(
        code(#"{"op":"subscribeOfficialAccount","officialAccountID":"\#(id)","userID":"u"}"#)
          == "ok")
    }
  }

  /// The reply's error code, or "ok".
  private func code(_ request: String, as role: Role = .admin) -> String {
    let reply = service.reply(to: request, as: role)
    let object = (try? JSONSerialization.jsonObject(with: Data(reply))) as? [String: Any] ?? [:]
    if object["ok"] as? Bool == true { return "ok" }
    return (object["error"] as? [String: Any])?["code"] as? String ?? "?"
  }

  private static func request(_ op: String, _ id: String = "@TOA#_news", user: Bool = false)
    -> String
  {
    let extra: String
    switch op {
    case "sendMessage": extra = #","payload":{"t":1}"#
    case "sendMessageToOfficialAccount": extra = #","payload":{"t":1}"#
    case "setOfficialAccountInfo": extra = #","officialAccountName":"Renamed""#
    case "createOfficialAccount": extra = #","ownerUserID":"o","officialAccountName":"N""#
    case "recallMessages": extra = #","msgKeys":["nope"]"#
    case "getOfficialAccountsInfo": extra = #","officialAccountIDList":["\#(id)"]"#
    default: extra = ""
    }
    let userField = user ? #","userID":"u""# : ""
    return #"{"op":"\#(op)","officialAccountID":"\#(id)"\#(userField)\#(extra)}"#
  }

  @Test func aPublisherMayOnlyActOnItsOwnChannels() {
    #expect(code(Self.request("sendMessage"), as: publisher) == "ok")
    #expect(code(Self.request("sendMessage", "@TOA#_shop-1"), as: publisher) == "ok")
    #expect(code(Self.request("getSubscribers"), as: publisher) == "ok")
    #expect(code(Self.request("getHistory"), as: publisher) == "ok")
    #expect(code(Self.request("setOfficialAccountInfo"), as: publisher) == "ok")
    #expect(code(Self.request("ping"), as: publisher) == "ok")
    for op in [
      "sendMessage", "getSubscribers", "getHistory", "setOfficialAccountInfo", "recallMessages",
    ] {
      #expect(code(Self.request(op, "@TOA#_other"), as: publisher) == "permission_denied")
      // "@TOA#_shop*" is a prefix, "@TOA#_news" is not.
      #expect(code(Self.request(op, "@TOA#_newsroom"), as: publisher) == "permission_denied")
    }
    for op in [
      "createOfficialAccount", "deleteOfficialAccount", "listOfficialAccounts", "stats",
      "subscribeOfficialAccount", "unsubscribeOfficialAccount", "setSubscriptionOptions",
      "getOfficialAccountsInfo", "sendMessageToOfficialAccount", "backup",
    ] {
      #expect(code(Self.request(op, user: true), as: publisher) == "permission_denied", "\(op)")
    }
  }

  @Test func aGatewayMayOnlyMakeTheRequestsOfOneUser() {
    #expect(
      code(Self.request("subscribeOfficialAccount", "@TOA#_other", user: true), as: .gateway)
        == "ok")
    #expect(code(Self.request("setSubscriptionOptions", user: true), as: .gateway) == "ok")
    #expect(code(Self.request("getOfficialAccountsInfo", user: true), as: .gateway) == "ok")
    #expect(code(Self.request("getHistory", user: true), as: .gateway) == "ok")
    #expect(code(Self.request("sendMessageToOfficialAccount", user: true), as: .gateway) == "ok")
    #expect(code(Self.request("unsubscribeOfficialAccount", user: true), as: .gateway) == "ok")
    #expect(code(Self.request("getHistory"), as: .gateway) == "permission_denied")
    for op in [
      "sendMessage", "recallMessages", "setOfficialAccountInfo", "getSubscribers",
      "createOfficialAccount", "deleteOfficialAccount", "listOfficialAccounts", "stats", "backup",
    ] {
      #expect(code(Self.request(op, user: true), as: .gateway) == "permission_denied", "\(op)")
    }
  }

  @Test func aRevokedKeyMayDoNothingButAnUnknownOpIsStillUnknown() {
    #expect(code(Self.request("ping"), as: .revoked) == "permission_denied")
    #expect(code(Self.request("getHistory", user: true), as: .revoked) == "permission_denied")
    #expect(code(Self.request("noSuchOp"), as: .revoked) == "unknown_op")
    #expect(code(Self.request("noSuchOp"), as: publisher) == "unknown_op")
  }

  @Test func aDeniedRequestChangesNothing() {
    #expect(
      code(Self.request("deleteOfficialAccount", "@TOA#_other"), as: publisher)
        == "permission_denied")
    #expect(code(Self.request("sendMessage", "@TOA#_other"), as: .gateway) == "permission_denied")
    let history = service.reply(to: Self.request("getHistory", "@TOA#_other"))
    let object = (try? JSONSerialization.jsonObject(with: Data(history))) as? [String: Any] ?? [:]
    let entries = (object["result"] as? [String: Any])?["messages"] as? [Any]
    #expect(entries?.isEmpty == true)
    #expect(service.state.counts.officialAccounts == 3)
  }

  @Test func theErrorSaysWhatTheRoleMayDo() {
    let reply = service.reply(to: Self.request("sendMessage", "@TOA#_other"), as: publisher)
    let text = String(decoding: reply, as: UTF8.self)
    #expect(text.contains("@TOA#_news, @TOA#_shop*"))
    #expect(text.contains(#""field":"officialAccountID""#))
  }

  @Test func patternsAreCheckedWhenRead() {
    #expect(throws: ChannelCastError.self) { try OfficialAccountPattern("news") }
    #expect(throws: ChannelCastError.self) { try OfficialAccountPattern("@TOA#_a*b") }
    #expect(throws: ChannelCastError.self) { try OfficialAccountPattern("@TO*") }
    #expect(throws: ChannelCastError.self) { try OfficialAccountPattern("@TOA#_") }
    let everything = try? OfficialAccountPattern("@TOA#_*")
    #expect(everything?.matches(ByteString("@TOA#_anything")) == true)
    #expect(everything?.description == "@TOA#_*")
  }
}
