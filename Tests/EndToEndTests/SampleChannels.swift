import ChannelCastClient
import Foundation

/// A small state that touches everything a data directory keeps: channel fields, subscribers
/// of every `msgFlag` with and without custom data, messages with and without a `clientMsgID`,
/// a recall, an info change, and a deleted channel whose seq a channel created again under its
/// ID continues.
enum SampleChannels {
  static let news = "@TOA#_news"
  static let sport = "@TOA#_sport"
  /// Deleted after three stream entries.
  static let deleted = "@TOA#_deleted"
  static let ids = [news, sport, deleted]
  /// The payload and `clientMsgID` of a message sent to `news`, for retries.
  static let retriedPayload = "First issue"
  static let retriedClientMsgID = "issue-1"
  static let deletedLastSeq = 3

  /// Makes the state through `client`.
  static func populate(with client: ChannelCastClient) throws {
    _ = try client.resultOf(
      "createOfficialAccount",
      [
        "officialAccountID": news, "ownerUserID": "editor", "officialAccountName": "Daily News ✓",
        "faceUrl": "https://example.com/news.png", "organization": "Example",
        "introduction": "Every morning", "customData": #"{"tier": 1}"#, "maxSubscriberCount": 500,
      ])
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": sport, "ownerUserID": "editor", "officialAccountName": "Sport"])
    _ = try client.resultOf(
      "subscribeOfficialAccount",
      ["officialAccountID": news, "userIDList": ["alice", "bob", "carol", "dave", "erin é"]])
    _ = try client.resultOf(
      "subscribeOfficialAccount", ["officialAccountID": sport, "userID": "bob"])
    _ = try client.resultOf(
      "setSubscriptionOptions",
      ["officialAccountID": news, "userID": "bob", "msgFlag": "acceptNotNotify"])
    _ = try client.resultOf(
      "setSubscriptionOptions",
      ["officialAccountID": news, "userID": "carol", "msgFlag": "discard", "customData": "vip"])
    _ = try client.resultOf(
      "setSubscriptionOptions", ["officialAccountID": news, "userID": "dave", "customData": "x"])
    _ = try client.resultOf(
      "unsubscribeOfficialAccount", ["officialAccountID": news, "userID": "erin é"])
    _ = try client.resultOf(
      "sendMessage",
      ["officialAccountID": news, "payload": retriedPayload, "clientMsgID": retriedClientMsgID])
    let second = try client.resultOf(
      "sendMessage",
      ["officialAccountID": news, "payload": ["title": "Second issue", "tags": ["a", "b"]]])
    _ = try client.resultOf(
      "recallMessages",
      ["officialAccountID": news, "msgKeys": [second["msgKey"] ?? ""], "reason": "Wrong date"])
    _ = try client.resultOf(
      "setOfficialAccountInfo", ["officialAccountID": news, "introduction": "Every evening"])
    _ = try client.resultOf("sendMessage", ["officialAccountID": sport, "payload": NSNull()])

    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": deleted, "ownerUserID": "editor", "officialAccountName": "Gone"])
    for n in 1...deletedLastSeq {
      _ = try client.resultOf("sendMessage", ["officialAccountID": deleted, "payload": n])
    }
    _ = try client.resultOf("deleteOfficialAccount", ["officialAccountID": deleted])
  }
}
