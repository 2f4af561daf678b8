import ChannelCastProtocol

/// One request of the stress scenario, good or bad, with the reply the protocol promises for it.
struct StressRequest: Sendable {
  /// What else a reply that has the right code must show.
  enum ResultCheck: Sendable {
    case none
    /// A `sendMessage` retry: the first reply again, `msgKey` and `seq` unchanged.
    case sameMessage(msgKey: String, seq: Int64)
    /// A `clientMsgID` reused with another payload: `duplicate` naming the first `msgKey`.
    case duplicateOf(msgKey: String)
    /// `recallMessages`: every per-key `resultCode` is `ok` or `not_found`.
    case recallResults
  }

  /// Deliveries a successful reply announces, which the consumer must then receive.
  enum Announcement: Sendable {
    case none
    /// `recipientCount` `message` deliveries (a `sendMessage` that broadcast).
    case messages
    /// One `subscriberMessage` delivery to the channel's owner.
    case subscriberMessage
  }

  /// The row of the report it is counted in: an op, or a kind of bad request.
  let kind: String
  /// The frames the DEALER sends: the empty delimiter and the request, unless the request is
  /// about framing.
  let frames: [[UInt8]]
  /// The bytes of the `id` the reply must echo; nil when it must be `null` (the request's `id`
  /// cannot be read).
  let replyID: [UInt8]?
  /// The reply codes that keep the protocol: `ok` or error codes.
  let expectedCodes: Set<String>
  var check = ResultCheck.none
  var announcement = Announcement.none

  /// The start of the kinds of bad requests, which the report counts apart.
  static let badPrefix = "bad: "

  /// A well-formed request with `op`, the numeric `id` and the fields `fill` adds.
  static func good(
    _ kind: String, op: String, id: Int, expecting codes: Set<String> = ["ok"],
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) -> StressRequest {
    var body = JSONObjectWriter()
    body.add("op", op)
    body.add("id", id)
    fill(&body)
    return StressRequest(
      kind: kind, frames: [[], body.finished()], replyID: Array(String(id).utf8),
      expectedCodes: codes)
  }

  /// A bad request of `kind` (without the "bad: " prefix): these frames, a reply that echoes
  /// `replyID` (nil: `null`), and one of `codes`.
  static func bad(
    _ kind: String, frames: [[UInt8]], replyID: [UInt8]?,
    expecting codes: Set<String> = ["invalid_argument"]
  ) -> StressRequest {
    StressRequest(
      kind: badPrefix + kind, frames: frames, replyID: replyID, expectedCodes: codes)
  }

  /// The request as text for a report: the frames, bytes outside printable ASCII escaped, each
  /// cut to `limit` bytes.
  func excerpt(limit: Int = 160) -> String {
    let shown = frames.map { frame -> String in
      var text = ""
      for byte in frame.prefix(limit) {
        switch byte {
        case 0x20..<0x7F where byte != UInt8(ascii: "\\"):
          text.append(Character(Unicode.Scalar(byte)))
        case UInt8(ascii: "\\"): text += "\\\\"
        default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
      }
      return frame.count > limit ? text + "…(\(frame.count) bytes)" : text
    }
    return "[" + shown.map { "'\($0)'" }.joined(separator: ", ") + "]"
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(width - count, 0)) + self
  }
}
