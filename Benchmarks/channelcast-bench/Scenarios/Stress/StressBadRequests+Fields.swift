import ChannelCastProtocol

/// The bad requests that are valid JSON objects with a readable `id`, which the reply must
/// echo: fields of the wrong type or missing, numbers out of range, control characters in
/// IDs, strings and arrays over their limits, and unknown ops.
extension StressBadRequests {
  /// A JSON object with `op` and the numeric `id`, then the raw members `members` (JSON text
  /// after a comma, or empty).
  private func readable(
    _ kind: String, op: String?, number: Int, _ members: String,
    expecting codes: Set<String> = ["invalid_argument"]
  ) -> StressRequest {
    let opMember = op.map { #""op":"\#($0)","# } ?? ""
    let text = "{\(opMember)\"id\":\(number)\(members.isEmpty ? "" : ",")\(members)}"
    return .bad(
      kind, frames: [[], Array(text.utf8)], replyID: Array(String(number).utf8),
      expecting: codes)
  }

  /// A request built with the writer (for strings that need escaping).
  private func written(
    _ kind: String, op: String, number: Int, expecting codes: Set<String> = ["invalid_argument"],
    _ fill: (inout JSONObjectWriter) -> Void
  ) -> StressRequest {
    let good = StressRequest.good(kind, op: op, id: number, fill)
    return .bad(kind, frames: good.frames, replyID: good.replyID, expecting: codes)
  }

  mutating func wrongType(number: Int) -> StressRequest {
    let atTarget = #""officialAccountID":"\#(target)""#
    let own = #""officialAccountID":"\#(ownPrefix)\#(number)""#
    let cases: [(String?, String)] = [
      ("sendMessage", #""officialAccountID":123,"payload":1"#),
      ("sendMessage", #"\#(atTarget),"clientMsgID":7,"payload":1"#),
      ("sendMessage", atTarget),
      ("subscribeOfficialAccount", #"\#(atTarget),"userIDList":"u1""#),
      ("subscribeOfficialAccount", #"\#(atTarget),"userID":["u1"]"#),
      ("subscribeOfficialAccount", atTarget),
      ("subscribeOfficialAccount", #"\#(atTarget),"userID":"u1","userIDList":["u1"]"#),
      ("getHistory", #"\#(atTarget),"limit":"5""#),
      ("getHistory", #"\#(atTarget),"afterSeq":true"#),
      ("recallMessages", #"\#(atTarget),"msgKeys":{"a":1}"#),
      ("recallMessages", #"\#(atTarget),"msgKeys":[1,2]"#),
      ("recallMessages", #"\#(atTarget),"msgKeys":[]"#),
      ("getSubscribers", #"\#(atTarget),"cursor":7"#),
      ("getSubscribers", #"\#(atTarget),"limit":5.0"#),
      ("getSubscribers", #"\#(atTarget),"limit":5e0"#),
      ("getOfficialAccountsInfo", #""officialAccountIDList":[1]"#),
      ("getOfficialAccountsInfo", #""officialAccountIDList":"\#(target)""#),
      ("getOfficialAccountsInfo", #""officialAccountIDList":[]"#),
      ("createOfficialAccount", #"\#(own),"ownerUserID":5,"officialAccountName":"x""#),
      ("createOfficialAccount", #"\#(own),"ownerUserID":"o""#),
      (
        "createOfficialAccount",
        #""officialAccountID":"stress","ownerUserID":"o","officialAccountName":"x""#
      ),
      ("setOfficialAccountInfo", #"\#(atTarget),"createTime":5"#),
      ("setOfficialAccountInfo", atTarget),
      ("setSubscriptionOptions", #"\#(atTarget),"userID":7"#),
      ("deleteOfficialAccount", #""officialAccountID":["\#(target)"]"#),
      ("unsubscribeOfficialAccount", #"\#(atTarget),"userID":"""#),
      (nil, ""), (nil, #""op":5"#), (nil, #""op":null"#), (nil, #""op":{"name":"ping"}"#),
    ]
    let (op, members) = cases.randomElement(using: &generator)!
    return readable("wrong or missing field", op: op, number: number, members)
  }

  mutating func outOfRange(number: Int) -> StressRequest {
    let atTarget = #""officialAccountID":"\#(target)""#
    let create =
      #""officialAccountID":"\#(ownPrefix)\#(number)","ownerUserID":"o","officialAccountName":"x""#
    let cases: [(String, String)] = [
      ("getSubscribers", #"\#(atTarget),"limit":0"#),
      ("getSubscribers", #"\#(atTarget),"limit":1001"#),
      ("getSubscribers", #"\#(atTarget),"limit":-5"#),
      ("getSubscribers", #"\#(atTarget),"limit":99999999999999999999999"#),
      ("getSubscribers", #"\#(atTarget),"limit":-9223372036854775809"#),
      ("getSubscribers", #"\#(atTarget),"limit":9223372036854775808"#),
      ("getHistory", #"\#(atTarget),"limit":101"#),
      ("getHistory", #"\#(atTarget),"limit":0"#),
      ("getHistory", #"\#(atTarget),"afterSeq":-1"#),
      ("listOfficialAccounts", #""limit":0"#),
      ("listOfficialAccounts", #""limit":1001"#),
      ("createOfficialAccount", #"\#(create),"maxSubscriberCount":0"#),
      ("createOfficialAccount", #"\#(create),"maxSubscriberCount":1073741825"#),
      ("createOfficialAccount", #"\#(create),"maxSubscriberCount":18446744073709551616"#),
      ("setOfficialAccountInfo", #"\#(atTarget),"maxSubscriberCount":0"#),
    ]
    let (op, members) = cases.randomElement(using: &generator)!
    return readable("number out of range", op: op, number: number, members)
  }

  /// Control characters and whitespace in IDs, escaped (so the JSON itself is valid).
  mutating func controlCharacters(number: Int) -> StressRequest {
    let characters = ["\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "\u{85}", "\u{9F}", "\n", "\t"]
    let character = characters.randomElement(using: &generator)!
    if Bool.random(using: &generator) {
      return written(
        "control character or space in an ID", op: "subscribeOfficialAccount", number: number
      ) {
        $0.add("officialAccountID", target)
        $0.add("userID", "u\(number)\(character)x")
      }
    }
    let id =
      "\(ownPrefix)\(number)" + [character, " ", "*", "\u{2028}"].randomElement(
        using: &generator)!
    return written("control character or space in an ID", op: "getHistory", number: number) {
      $0.add("officialAccountID", id)
    }
  }

  /// Strings and arrays over their limits, the whole message under 63 KiB.
  mutating func oversized(number: Int) -> StressRequest {
    let kind = "oversized field"
    let own = "\(ownPrefix)\(number)"
    switch Int.random(in: 0..<10, using: &generator) {
    case 0, 1:
      let (field, limit) = [
        ("officialAccountName", 150), ("faceUrl", 500), ("introduction", 400),
        ("customData", 3000),
      ].randomElement(using: &generator)!
      let text = longText(over: limit)
      return written(kind, op: "createOfficialAccount", number: number) {
        $0.add("officialAccountID", own)
        $0.add("ownerUserID", "o")
        if field != "officialAccountName" { $0.add("officialAccountName", "x") }
        $0.add(field, text)
      }
    case 2:
      let text = longText(over: 12288)
      return written(kind, op: "sendMessage", number: number) {
        $0.add("officialAccountID", target)
        $0.add("payload", text)
      }
    case 3:
      let text = longText(over: 64)
      return written(kind, op: "subscribeOfficialAccount", number: number) {
        $0.add("officialAccountID", target)
        $0.add("userID", text)
      }
    case 4:
      let text = longText(over: 64, atMost: 2000)
      return written(kind, op: "sendMessage", number: number) {
        $0.add("officialAccountID", target)
        $0.add("clientMsgID", text)
        $0.add("payload", rawJSON: Array("1".utf8))
      }
    case 5:
      let text = longText(over: 100)
      return written(kind, op: "recallMessages", number: number) {
        $0.add("officialAccountID", target)
        $0.add("msgKeys", rawJSON: Array(#"["aaaaaaaaaaaaaaaaaaaa"]"#.utf8))
        $0.add("reason", text)
      }
    case 6:
      let text = longText(over: 48)
      return written(kind, op: "getHistory", number: number) {
        $0.add("officialAccountID", "@TOA#_" + text)
      }
    case 7:
      let ids = list(of: target, count: Int.random(in: 101...1000, using: &generator))
      return written(kind, op: "getOfficialAccountsInfo", number: number) {
        $0.add("officialAccountIDList", array: ids)
      }
    case 8:
      let users = list(of: "u1", count: Int.random(in: 1001...3000, using: &generator))
      return written(kind, op: "subscribeOfficialAccount", number: number) {
        $0.add("officialAccountID", target)
        $0.add("userIDList", array: users)
      }
    default:
      let keys = list(
        of: "aaaaaaaaaaaaaaaaaaaa", count: Int.random(in: 11...100, using: &generator))
      return written(kind, op: "recallMessages", number: number) {
        $0.add("officialAccountID", target)
        $0.add("msgKeys", array: keys)
      }
    }
  }

  /// Large documents that are hard work to validate, each refused for its size or type: an
  /// object of thousands of distinct keys (every one checked against the others), a long
  /// array, a number of thousands of digits, a string of escapes. One in six repeats a key at
  /// the very end, which makes the whole frame unreadable.
  mutating func heavyJSON(number: Int) -> StressRequest {
    let kind = "large document, hard to validate"
    let head = #"{"op":"sendMessage","id":\#(number),"officialAccountID":"\#(target)","payload":"#
    switch Int.random(in: 0..<6, using: &generator) {
    case 0, 1:
      let keys = (0..<Int.random(in: 2000...5000, using: &generator)).map { #""k\#($0)":1"# }
      let repeated = Int.random(in: 0..<3, using: &generator) == 0
      let members = keys.joined(separator: ",") + (repeated ? #","k0":2"# : "")
      let text = head + "{" + members + "}}"
      return .bad(
        kind, frames: [[], Array(text.utf8)],
        replyID: repeated ? nil : Array(String(number).utf8))
    case 2:
      let elements = Array(
        repeating: "1", count: Int.random(in: 10_000...30_000, using: &generator))
      return readable(
        kind, op: "sendMessage", number: number,
        #""officialAccountID":"\#(target)","payload":[\#(elements.joined(separator: ","))]"#)
    case 3:
      let digits = String(repeating: "9", count: Int.random(in: 100...60_000, using: &generator))
      return readable(
        kind, op: "getSubscribers", number: number,
        #""officialAccountID":"\#(target)","limit":\#(digits)"#)
    case 4:
      let escapes = String(
        repeating: #"\u00e9"#, count: Int.random(in: 33...10_000, using: &generator))
      return readable(
        kind, op: "subscribeOfficialAccount", number: number,
        #""officialAccountID":"\#(target)","userID":"\#(escapes)""#)
    default:
      let escapes = String(
        repeating: #"\\"#, count: Int.random(in: 151...30_000, using: &generator))
      return readable(
        kind, op: "createOfficialAccount", number: number,
        #""officialAccountID":"\#(ownPrefix)\#(number)","ownerUserID":"o","officialAccountName":"\#(escapes)""#
      )
    }
  }

  mutating func unknownOp(number: Int) -> StressRequest {
    let ops = [
      "sendMesage", "SENDMESSAGE", "ping ", "", "subscribe", "é", "stress-\(number)", "Ping",
      "getHistory\u{0}", "backup2",
    ]
    let op = ops.randomElement(using: &generator)!
    return written("unknown op", op: op, number: number, expecting: ["unknown_op"]) { _ in }
  }

  /// A string of more than `limit` UTF-8 bytes (at most `atMost`), some of them two-byte
  /// characters, so that the daemon must count bytes rather than characters.
  private mutating func longText(over limit: Int, atMost: Int = 60_000) -> String {
    let bytes = Int.random(in: (limit + 1)...max(limit + 1, atMost), using: &generator)
    let wide = Int.random(in: 0...(bytes / 4), using: &generator)
    return String(repeating: "é", count: wide) + String(repeating: "x", count: bytes - 2 * wide)
  }

  private func list(of element: String, count: Int) -> JSONArrayWriter {
    var list = JSONArrayWriter(reservingCapacity: count * (element.utf8.count + 3))
    for _ in 0..<count { list.append(element) }
    return list
  }
}
