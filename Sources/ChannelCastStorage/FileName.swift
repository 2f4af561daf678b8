/// How journals and snapshots are named in the data directory: `<prefix><generation as 20
/// digits><suffix>`, so that names sort like generations.
struct FileName {
  static let journal = FileName(prefix: "journal-", suffix: ".ccj")
  static let snapshot = FileName(prefix: "snapshot-", suffix: ".ccs")

  /// Enough digits for every UInt64.
  private static let generationDigits = 20

  let prefix: String
  let suffix: String

  /// The name of the file of `generation`.
  func name(_ generation: UInt64) -> String {
    let digits = String(generation)
    return prefix + String(repeating: "0", count: Self.generationDigits - digits.count) + digits
      + suffix
  }

  /// The generation of the file called `name`, or nil when the name is not of this kind.
  func generation(in name: String) -> UInt64? {
    guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
    let digits = name.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
    guard digits.count == Self.generationDigits,
      digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return UInt64(String(decoding: digits, as: UTF8.self))
  }
}
