/// Which of the two record files a file is, told by its first eight bytes.
public struct RecordFileKind: Sendable, Equatable {
  /// The append-only journal of mutations: `CCJOURNL`.
  public static let journal = RecordFileKind(magic: "CCJOURNL", name: "journal")
  /// A complete image of the state at one generation: `CCSNAPSH`.
  public static let snapshot = RecordFileKind(magic: "CCSNAPSH", name: "snapshot")

  /// The eight ASCII bytes a file of this kind starts with.
  public let magic: [UInt8]
  /// The kind's name in messages: "journal" or "snapshot".
  public let name: String

  private init(magic: String, name: String) {
    self.magic = Array(magic.utf8)
    self.name = name
  }

  /// The magic as text, for messages.
  var magicText: String { String(decoding: magic, as: UTF8.self) }
}
