import ChannelCastClient
import ChannelCastProtocol
import Foundation

/// Everything a publisher can read back about some channels through the protocol: their info
/// (`getOfficialAccountsInfo`), every subscriber (`getSubscribers`) and every kept stream entry
/// (`getHistory`). Two daemons that agree on it agree on everything a restart must keep.
struct ObservedState: Equatable, CustomStringConvertible {
  /// By `officialAccountID`; a channel that does not exist is absent.
  var channels: [String: ObservedChannel] = [:]

  /// Reads the channels `ids` (at most 100) page by page.
  static func read(_ ids: [String], with client: ChannelCastClient) throws -> ObservedState {
    var state = ObservedState()
    let results = try client.resultOf("getOfficialAccountsInfo", ["officialAccountIDList": ids])
    for case let result as [String: Any] in results["results"] as? [Any] ?? [] {
      guard result["resultCode"] as? String == "ok",
        let id = result["officialAccountID"] as? String,
        let info = result["officialAccountInfo"] as? [String: Any]
      else { continue }
      state.channels[id] = try ObservedChannel(id: id, info: info, client: client)
    }
    return state
  }

  var description: String {
    channels.keys.sorted().map { "\($0): \(channels[$0]!)" }.joined(separator: "\n")
  }
}

/// The fields of a channel's info that a publisher sets, as `setOfficialAccountInfo` names them.
struct ChannelFields: Equatable {
  var officialAccountName: String
  var faceUrl = ""
  var organization = ""
  var introduction = ""
  var customData = ""
  var maxSubscriberCount: Int
}

extension ChannelFields {
  /// The fields of an info object.
  init(info: [String: Any]) {
    officialAccountName = info["officialAccountName"] as? String ?? "<missing>"
    faceUrl = info["faceUrl"] as? String ?? "<missing>"
    organization = info["organization"] as? String ?? "<missing>"
    introduction = info["introduction"] as? String ?? "<missing>"
    customData = info["customData"] as? String ?? "<missing>"
    maxSubscriberCount = info["maxSubscriberCount"] as? Int ?? -1
  }
}

struct ObservedChannel: Equatable {
  var fields: ChannelFields
  var ownerUserID: String
  var createTime: Int
  var subscriberCount: Int
  var lastMessageTime: Int
  var lastSeq: Int
  /// By `userID`.
  var subscribers: [String: ObservedSubscription] = [:]
  /// Oldest first, as `getHistory` pages them.
  var history: [ObservedEntry] = []
  var oldestSeq = 0

  init(id: String, info: [String: Any], client: ChannelCastClient) throws {
    fields = ChannelFields(info: info)
    ownerUserID = info["ownerUserID"] as? String ?? "<missing>"
    createTime = info["createTime"] as? Int ?? -1
    subscriberCount = info["subscriberCount"] as? Int ?? -1
    lastMessageTime = info["lastMessageTime"] as? Int ?? -1
    lastSeq = info["lastSeq"] as? Int ?? -1
    var cursor: String?
    repeat {
      var request: [String: Any] = ["officialAccountID": id, "limit": 1000]
      request["cursor"] = cursor
      let page = try client.resultOf("getSubscribers", request)
      for case let subscriber as [String: Any] in page["subscribers"] as? [Any] ?? [] {
        subscribers[subscriber["userID"] as? String ?? "<missing>"] = ObservedSubscription(
          subscribeTime: subscriber["subscribeTime"] as? Int ?? -1,
          msgFlag: subscriber["msgFlag"] as? String ?? "<missing>",
          customData: subscriber["customData"] as? String ?? "<missing>")
      }
      cursor = page["nextCursor"] as? String
    } while cursor != nil
    var afterSeq = 0
    while true {
      let page = try client.resultOf(
        "getHistory", ["officialAccountID": id, "afterSeq": afterSeq, "limit": 100])
      oldestSeq = page["oldestSeq"] as? Int ?? -1
      let entries = (page["messages"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
      guard let last = entries.last else { break }
      history += entries.map(ObservedEntry.init)
      afterSeq = last["seq"] as? Int ?? Int.max
    }
  }
}

struct ObservedSubscription: Equatable {
  var subscribeTime: Int
  var msgFlag: String
  var customData: String
}

/// One kept stream entry of `getHistory`.
enum ObservedEntry: Equatable {
  /// A message; a recalled one is a tombstone, without payload. The payload is its JSON with
  /// sorted keys (see `canonicalJSON`).
  case message(seq: Int, msgKey: String, sendTimeMs: Int, payload: String?, recalled: Bool)
  case messageRecalled(seq: Int, msgKey: String, reason: String)
  case officialAccountInfoChanged(seq: Int, fields: ChannelFields)
  case unexpected(String)

  init(_ entry: [String: Any]) {
    let seq = entry["seq"] as? Int ?? -1
    let msgKey = entry["msgKey"] as? String ?? "<missing>"
    switch entry["type"] as? String {
    case "message":
      self = .message(
        seq: seq, msgKey: msgKey, sendTimeMs: entry["sendTimeMs"] as? Int ?? -1,
        payload: entry["payload"].map(canonicalJSON), recalled: entry["recalled"] as? Bool ?? false)
    case "messageRecalled":
      self = .messageRecalled(seq: seq, msgKey: msgKey, reason: entry["reason"] as? String ?? "")
    case "officialAccountInfoChanged":
      self = .officialAccountInfoChanged(
        seq: seq, fields: ChannelFields(info: entry["officialAccountInfo"] as? [String: Any] ?? [:])
      )
    default:
      self = .unexpected("\(entry)")
    }
  }

  var seq: Int {
    switch self {
    case .message(let seq, _, _, _, _), .messageRecalled(let seq, _, _),
      .officialAccountInfoChanged(let seq, _):
      seq
    case .unexpected: -1
    }
  }
}

/// A JSON value as text with sorted keys, so that two decodings of the same value compare equal.
func canonicalJSON(_ value: Any) -> String {
  let data = try? JSONSerialization.data(
    withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
  return data.map { String(decoding: $0, as: UTF8.self) } ?? "<not JSON: \(value)>"
}
