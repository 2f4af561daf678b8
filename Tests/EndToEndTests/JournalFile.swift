import Foundation

/// A journal file of a data directory, cut into its records the way `RecordFileFormat`
/// documents the layout (a 28-byte header, then frames of a 4-byte little-endian length of type
/// and body, a 4-byte checksum, the type byte and the body), so that a test can damage one
/// record on purpose.
struct JournalFile {
  let url: URL
  /// Where each record's frame starts, in file order.
  let recordOffsets: [Int]

  static let headerLength = 28
  static let frameHeaderLength = 8

  /// The newest `journal-*.ccj` in `dataDirectory`: the one with the highest generation.
  static func newest(in dataDirectory: URL) throws -> JournalFile {
    let names = try FileManager.default.contentsOfDirectory(atPath: dataDirectory.path)
      .filter { $0.hasPrefix("journal-") && $0.hasSuffix(".ccj") }.sorted()
    guard let newest = names.last else {
      throw UnexpectedReply(description: "no journal in \(dataDirectory.path): \(names)")
    }
    return try JournalFile(url: dataDirectory.appendingPathComponent(newest))
  }

  init(url: URL) throws {
    self.url = url
    let bytes = [UInt8](try Data(contentsOf: url))
    var offsets: [Int] = []
    var offset = Self.headerLength
    while offset + Self.frameHeaderLength <= bytes.count {
      let length = bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
      offsets.append(offset)
      offset += Self.frameHeaderLength + length
    }
    recordOffsets = offsets
  }

  /// Flips one bit in the middle of the body of record `index`; returns where that record's
  /// frame starts: the offset at which the journal is damaged.
  @discardableResult
  func flipBit(inRecord index: Int) throws -> Int {
    var bytes = [UInt8](try Data(contentsOf: url))
    let start = recordOffsets[index]
    let end = index + 1 < recordOffsets.count ? recordOffsets[index + 1] : bytes.count
    let body = start + Self.frameHeaderLength + 1
    bytes[body + (end - body) / 2] ^= 0x10
    try Data(bytes).write(to: url)
    return start
  }
}
