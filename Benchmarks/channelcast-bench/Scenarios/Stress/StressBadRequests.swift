/// Bad requests, picked with a seed: frames that are not JSON, not an object, cut short, badly
/// encoded, too deep, too large, of the wrong types, out of range, for unknown ops, or framed
/// wrongly. Each must get exactly one error reply: `invalid_argument` (with `"id": null` when
/// the request cannot be read), or `unknown_op`.
///
/// They aim at a channel with no subscribers and at IDs of their own, so that one the daemon
/// wrongly accepted would change nothing the other streams predict. Every message stays under
/// 64 KiB (`StressBadRequests.largestMessage`), the size above which a later daemon will drop
/// the connection.
struct StressBadRequests: StressTraffic {
  /// The largest message this stream sends, all frames together.
  static let largestMessage = 63 * 1024

  private typealias Maker = @Sendable (inout StressBadRequests, Int) -> StressRequest

  /// Every kind, picked uniformly.
  private static let kinds: [Maker] = [
    { $0.notJSON(number: $1) }, { $0.truncated(number: $1) }, { $0.notAnObject(number: $1) },
    { $0.wrongType(number: $1) }, { $0.outOfRange(number: $1) },
    { $0.invalidUTF8(number: $1) }, { $0.controlCharacters(number: $1) },
    { $0.rawControlCharacters(number: $1) }, { $0.deepNesting(number: $1) },
    { $0.oversized(number: $1) }, { $0.unknownOp(number: $1) }, { $0.multiFrame(number: $1) },
    { $0.emptyFrame(number: $1) }, { $0.duplicateKey(number: $1) },
    { $0.trailingBytes(number: $1) }, { $0.badNumber(number: $1) },
    { $0.heavyJSON(number: $1) },
  ]

  /// The channel the requests name.
  let target: String
  /// The start of the IDs of channels the requests would create.
  let ownPrefix: String
  /// Internal rather than private: the kinds are written in more than one file.
  var generator: SeededGenerator

  init(population: StressPopulation, seed: UInt64) {
    target = population.badRequestChannelID
    ownPrefix = population.plan.channelPrefix + "bad-"
    generator = SeededGenerator(seed: seed)
  }

  mutating func nextRequest(number: Int) -> StressRequest {
    let request = Self.kinds.randomElement(using: &generator)!(&self, number)
    precondition(
      request.frames.reduce(0) { $0 + $1.count } <= Self.largestMessage,
      "a bad request of \(request.kind) is over 63 KiB")
    return request
  }

  // MARK: Requests that cannot be read: the reply's id is null.

  /// A request frame whose `id` cannot be read, after the delimiter.
  private func unreadable(_ kind: String, _ text: String) -> StressRequest {
    .bad(kind, frames: [[], Array(text.utf8)], replyID: nil)
  }

  private func unreadable(_ kind: String, bytes: [UInt8]) -> StressRequest {
    .bad(kind, frames: [[], bytes], replyID: nil)
  }

  private mutating func notJSON(number: Int) -> StressRequest {
    let starts = [
      "hello", "op=ping&id=\(number)", "GET / HTTP/1.1\r\n\r\n", "{op:\"ping\",id:\(number)}",
      "{'op':'ping','id':\(number)}", "<request op=\"ping\"/>", "ping",
    ]
    let noise = String(
      (0..<Int.random(in: 0...64, using: &generator)).map { _ in
        Character(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator)))
      })
    return unreadable("not JSON", starts.randomElement(using: &generator)! + noise)
  }

  /// A good request cut short anywhere: an object without its closing brace is never valid.
  private mutating func truncated(number: Int) -> StressRequest {
    let whole = Array(
      #"{"op":"sendMessage","id":\#(number),"officialAccountID":"\#(target)","payload":{"a":[1,2,"é"]}}"#
        .utf8)
    return unreadable(
      "truncated JSON",
      bytes: Array(whole.prefix(Int.random(in: 1..<whole.count, using: &generator))))
  }

  private mutating func notAnObject(number: Int) -> StressRequest {
    let texts = [
      "[]", "[{\"op\":\"ping\",\"id\":\(number)}]", "\"ping\"", "\(number)", "-1.5e3", "null",
      "true", "false",
    ]
    return unreadable("JSON array or scalar", texts.randomElement(using: &generator)!)
  }

  private mutating func invalidUTF8(number: Int) -> StressRequest {
    let sequences: [[UInt8]] = [
      [0xFF], [0xC3, 0x28], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
      [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ]
    let escapes = [#"\ud800"#, #"\udc00x"#, #"\ud800\u0041"#]
    let inside: [UInt8] =
      Bool.random(using: &generator)
      ? sequences.randomElement(using: &generator)!
      : Array(escapes.randomElement(using: &generator)!.utf8)
    let head = Array(
      #"{"op":"subscribeOfficialAccount","id":\#(number),"officialAccountID":"\#(target)","userID":"u"#
        .utf8)
    return unreadable("invalid UTF-8 or lone surrogate", bytes: head + inside + Array("\"}".utf8))
  }

  /// A control character written into a string as a raw byte, which JSON forbids.
  private mutating func rawControlCharacters(number: Int) -> StressRequest {
    let byte = [0x00, 0x01, 0x0A, 0x1B, 0x1F].randomElement(using: &generator)!
    let bytes =
      Array(
        #"{"op":"subscribeOfficialAccount","id":\#(number),"officialAccountID":"\#(target)","userID":"u"#
          .utf8)
      + [UInt8(byte)] + Array("x\"}".utf8)
    return unreadable("raw control character in a string", bytes: bytes)
  }

  /// Nesting past the daemon's 64 levels, up to as deep as 63 KiB allows.
  private mutating func deepNesting(number: Int) -> StressRequest {
    let arrays = Bool.random(using: &generator)
    let most = arrays ? 30_000 : 10_000
    let depth =
      Int.random(in: 0..<4, using: &generator) == 0
      ? 64 : Int.random(in: 65...most, using: &generator)
    let open = arrays ? "[" : #"{"a":"#
    let close = arrays ? "]" : "}"
    let payload =
      String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
    return unreadable(
      "deep nesting",
      #"{"op":"sendMessage","id":\#(number),"officialAccountID":"\#(target)","payload":\#(payload)}"#
    )
  }

  private mutating func duplicateKey(number: Int) -> StressRequest {
    let texts = [
      #"{"op":"ping","id":\#(number),"op":"stats"}"#,
      #"{"op":"ping","id":\#(number),"id":\#(number)}"#,
      #"{"op":"sendMessage","id":\#(number),"officialAccountID":"\#(target)","payload":{"a":1,"b":{"c":2,"c":3}}}"#,
    ]
    return unreadable("duplicate key", texts.randomElement(using: &generator)!)
  }

  private mutating func trailingBytes(number: Int) -> StressRequest {
    let request = #"{"op":"ping","id":\#(number)}"#
    let tails = [" x", request, ",", "}", "\u{0}", " null"]
    return unreadable("bytes after the object", request + tails.randomElement(using: &generator)!)
  }

  private mutating func badNumber(number: Int) -> StressRequest {
    let numbers = ["01", "1.", ".5", "+1", "NaN", "Infinity", "0x10", "1e", "-", "1_000"]
    let text =
      #"{"op":"getSubscribers","id":\#(number),"officialAccountID":"\#(target)","limit":\#(numbers.randomElement(using: &generator)!)}"#
    return unreadable("number syntax", text)
  }

  // MARK: Framing: the reply's id is null.

  /// Several frames after the delimiter, each a good request (more than 16 in all are cut).
  private mutating func multiFrame(number: Int) -> StressRequest {
    let count =
      Bool.random(using: &generator)
      ? Int.random(in: 2...4, using: &generator) : Int.random(in: 16...40, using: &generator)
    let body = Array(#"{"op":"ping","id":\#(number)}"#.utf8)
    let leadingEmpty = Int.random(in: 0..<4, using: &generator) == 0
    let frames = [[]] + (leadingEmpty ? [[]] : []) + Array(repeating: body, count: count)
    return .bad("several frames", frames: frames, replyID: nil)
  }

  /// An empty request frame, or the delimiter alone.
  private mutating func emptyFrame(number: Int) -> StressRequest {
    .bad("empty frame", frames: Bool.random(using: &generator) ? [[], []] : [[]], replyID: nil)
  }
}
