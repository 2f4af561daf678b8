import ChannelCastClient
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// A reply of the command socket, decoded with Foundation so that tests can read it like the
/// protocol documentation writes it: `reply.result["lastSeq"] as? Int`.
struct JSONReply: CustomStringConvertible {
  let ok: Bool
  /// The `result` object of a success; empty for a failure.
  let result: [String: Any]
  /// `error.code` of a failure.
  let errorCode: String?
  /// `error.message` of a failure.
  let errorMessage: String?

  var description: String {
    ok ? "ok \(result)" : "\(errorCode ?? "?"): \(errorMessage ?? "")"
  }
}

/// Why a test's request did not get the reply the test needed.
struct UnexpectedReply: Error, CustomStringConvertible {
  let description: String
}

/// The requests of the end-to-end tests, written as JSON objects.
extension ChannelCastClient {
  /// Sends `op` with `fields` without waiting for the reply, for pipelining. The request has no
  /// `id`: one DEALER gets its replies in request order. Keys are sorted, so that the same
  /// payload is always the same bytes.
  func sendJSON(_ op: String, _ fields: [String: Any] = [:]) throws {
    var request = fields
    request["op"] = op
    try send(Array(JSONSerialization.data(withJSONObject: request, options: .sortedKeys)))
  }

  /// Waits for the next reply and decodes it.
  func receiveJSON() throws -> JSONReply {
    let reply = try receiveReply()
    let object = try JSONSerialization.jsonObject(with: Data(reply.raw)) as? [String: Any] ?? [:]
    let error = object["error"] as? [String: Any]
    return JSONReply(
      ok: reply.ok, result: object["result"] as? [String: Any] ?? [:],
      errorCode: error?["code"] as? String, errorMessage: error?["message"] as? String)
  }

  /// One round trip.
  func callJSON(_ op: String, _ fields: [String: Any] = [:]) throws -> JSONReply {
    try sendJSON(op, fields)
    return try receiveJSON()
  }

  /// One round trip that must succeed; returns the reply's `result`.
  func resultOf(_ op: String, _ fields: [String: Any] = [:]) throws -> [String: Any] {
    let reply = try callJSON(op, fields)
    guard reply.ok else {
      throw UnexpectedReply(
        description:
          "\(op) \(fields) failed: \(reply.errorCode ?? "?"): \(reply.errorMessage ?? "")")
    }
    return reply.result
  }
}
