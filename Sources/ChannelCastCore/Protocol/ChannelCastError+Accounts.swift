import ChannelCastProtocol

extension ChannelCastError {
  static func accountNotFound(_ id: ByteString) -> ChannelCastError {
    ChannelCastError(
      .notFound, "official account \(id) does not exist",
      details: Details(field: "officialAccountID"))
  }
}
