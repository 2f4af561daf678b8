import ChannelCastProtocol

/// The official accounts a publisher key may act on, as written in the clients file: an exact
/// officialAccountID (`@TOA#_news`), or a prefix ending in `*` (`@TOA#_shop*`).
public struct OfficialAccountPattern: Sendable, Equatable, CustomStringConvertible {
  private let bytes: [UInt8]
  private let isPrefix: Bool

  /// Reads a pattern; throws a message saying what is wrong with it.
  public init(_ text: String) throws(ChannelCastError) {
    var bytes = Array(text.utf8)
    isPrefix = bytes.last == UInt8(ascii: "*")
    if isPrefix { bytes.removeLast() }
    guard !bytes.contains(UInt8(ascii: "*")) else {
      throw ChannelCastError(
        .invalidArgument, "\"\(text)\": a * may only end a pattern, as in \"@TOA#_shop*\"")
    }
    if isPrefix {
      // `@TOA#_*` covers every channel; a shorter prefix would only be a riddle.
      guard bytes.starts(with: FieldLimits.officialAccountIDPrefix) else {
        throw ChannelCastError(
          .invalidArgument, "\"\(text)\" must start with @TOA#_, as officialAccountIDs do")
      }
    } else {
      try FieldValidation.officialAccountID(ByteString(bytes))
    }
    self.bytes = bytes
  }

  /// Whether the pattern covers `id`.
  public func matches(_ id: ByteString) -> Bool {
    isPrefix ? id.bytes.starts(with: bytes) : id.bytes == bytes
  }

  public var description: String {
    String(decoding: bytes, as: UTF8.self) + (isPrefix ? "*" : "")
  }
}
