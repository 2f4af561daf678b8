import ChannelCastCore
import ChannelCastProtocol

/// What the daemon promises about every reply, whatever the request: a JSON object with the
/// request's `id` (byte for byte, or `null`) and `ok`; a result, or an error whose code is one
/// of the protocol's with a message. A broken promise stops the process, which libFuzzer
/// reports as a crash with the input that caused it.
public enum ReplyCheck {
  /// Checks `reply`, the answer to `request`, and returns it parsed.
  @discardableResult
  public static func check(_ reply: [UInt8], to request: [UInt8]) -> JSONObject {
    let object: JSONObject
    do {
      object = try JSONParser.parseObject(reply)
    } catch {
      fail("the reply is not a JSON object (\(error))", reply, request)
    }
    let requestID = (try? JSONParser.parseObject(request))?["id"].map { Array($0.bytes) }
    guard let id = object["id"], Array(id.bytes) == requestID ?? Array("null".utf8) else {
      fail("the reply does not repeat the request's id", reply, request)
    }
    switch object["ok"]?.boolValue {
    case true?:
      guard object["result"]?.kind == .object else {
        fail("a successful reply without a result object", reply, request)
      }
    case false?:
      guard let error = object["error"]?.objectMembers,
        let code = error["code"]?.stringValue, ErrorCode(rawValue: code) != nil,
        let message = error["message"]?.stringValue, !message.isEmpty
      else { fail("a failed reply without a known code and a message", reply, request) }
    case nil:
      fail("a reply without a boolean ok", reply, request)
    }
    return object
  }

  private static func fail(_ what: String, _ reply: [UInt8], _ request: [UInt8]) -> Never {
    fatalError(
      "\(what)\nrequest: \(String(decoding: request.prefix(2000), as: UTF8.self))\n"
        + "reply: \(String(decoding: reply.prefix(2000), as: UTF8.self))")
  }
}
