import ChannelCastProtocol

/// Makes message keys and channel IDs.
///
/// A message key is a per-process random prefix (60 bits) and a counter: unique across restarts
/// with overwhelming probability, without needing any state on disk.
struct IdentifierGenerator {
  private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
  private let prefix: [UInt8]
  private var counter: UInt64 = 0

  init() {
    var generator = SystemRandomNumberGenerator()
    prefix = Self.base32(generator.next(), digits: 12)
  }

  mutating func nextMessageKey() -> String {
    counter += 1
    return String(decoding: prefix + Self.base32(counter, digits: 8), as: UTF8.self)
  }

  /// A new channel ID: `@TOA#_` and 16 random base32 characters.
  func randomOfficialAccountID() -> ByteString {
    var generator = SystemRandomNumberGenerator()
    return ByteString(
      FieldLimits.officialAccountIDPrefix + Self.base32(generator.next(), digits: 16))
  }

  private static func base32(_ value: UInt64, digits: Int) -> [UInt8] {
    (0..<digits).reversed().map { position in
      let shift = UInt64(position * 5)
      return alphabet[Int(shift < 64 ? (value >> shift) & 31 : 0)]
    }
  }
}
