import ChannelCastProtocol

/// Encodes replies: `{"id": ..., "ok": true, "result": {...}}` or
/// `{"id": ..., "ok": false, "error": {"code", "message", "details"?}}`.
enum Reply {
  /// The `id` of a request that has none (or could not be read): `null`.
  static let nullID: ArraySlice<UInt8> = ArraySlice("null".utf8)

  static func success(id: ArraySlice<UInt8>, result: JSONObjectWriter) -> [UInt8] {
    // Sized for the whole reply, so that the result is copied in once.
    var reply = JSONObjectWriter(reservingCapacity: result.byteCount + id.count + 32)
    reply.add("id", rawJSON: id)
    reply.add("ok", true)
    reply.add("result", object: result)
    return reply.finished()
  }

  static func failure(id: ArraySlice<UInt8>, error: ChannelCastError) -> [UInt8] {
    var body = JSONObjectWriter()
    body.add("code", error.code.rawValue)
    body.add("message", error.message)
    if !error.details.isEmpty {
      body.add("details", object: encode(error.details))
    }
    var reply = JSONObjectWriter()
    reply.add("id", rawJSON: id)
    reply.add("ok", false)
    reply.add("error", object: body)
    return reply.finished()
  }

  private static func encode(_ details: ChannelCastError.Details) -> JSONObjectWriter {
    var object = JSONObjectWriter()
    if let field = details.field { object.add("field", field) }
    if let pending = details.pendingDeliveries { object.add("pendingDeliveries", pending) }
    if let limit = details.limit { object.add("limit", limit) }
    if let size = details.size { object.add("size", size) }
    if let msgKey = details.msgKey { object.add("msgKey", msgKey) }
    if let retryAfterMs = details.retryAfterMs { object.add("retryAfterMs", retryAfterMs) }
    return object
  }
}
