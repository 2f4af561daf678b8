import ChannelCastProtocol

extension JSONObjectWriter {
  /// The outcome of one entry of a batch (`resultCode` and `resultInfo`): `ok` with an
  /// optional note, or the error's code and message.
  mutating func addResult(_ error: ChannelCastError? = nil, info: String = "") {
    add("resultCode", error?.code.rawValue ?? "ok")
    add("resultInfo", error?.message ?? info)
  }

  /// A batch's `results` array as the whole reply.
  static func results(_ results: JSONArrayWriter) -> JSONObjectWriter {
    var reply = JSONObjectWriter()
    reply.add("results", array: results)
    return reply
  }
}
