/// The on-disk layout of journals and snapshots. Files written today must stay readable by
/// every later channelcastd, so this layout only ever grows through the format version.
///
/// All integers are little-endian. Every checksum is CRC-32C (see ``CRC32C``).
///
/// **File header (28 bytes)**
///
/// | Offset | Size | Field                                                        |
/// |-------:|-----:|--------------------------------------------------------------|
/// |      0 |    8 | magic, ASCII: `CCJOURNL` (journal) or `CCSNAPSH` (snapshot) |
/// |      8 |    4 | format version (UInt32)                                      |
/// |     12 |    4 | reserved, 0                                                  |
/// |     16 |    8 | generation (UInt64)                                          |
/// |     24 |    4 | CRC-32C of bytes 0..<24                                      |
///
/// **Records**, one after another from byte 28 to the end of the file, each framed as:
///
/// | Offset | Size     | Field                                              |
/// |-------:|---------:|----------------------------------------------------|
/// |      0 |        4 | length of type + body, 1 ... 268 435 456 (256 MiB)  |
/// |      4 |        4 | CRC-32C of type + body                             |
/// |      8 |        1 | record type (meaning is up to the writer)          |
/// |      9 | length-1 | body                                               |
///
/// A length of 0 or above 256 MiB is damage. There is no trailer: a file ends after its last
/// record, so a crash can only leave an incomplete last record (a torn tail).
///
/// **Torn tail or corruption.** When the record at offset X is bad, ``RecordFileReader`` calls it
/// a torn tail (an interrupted append: keep the records before X, drop the rest) when nothing
/// but zero bytes follows it: its frame header is incomplete, its declared length runs past the
/// end of the file, it ends exactly at the end of the file with a wrong checksum, or every byte
/// after it (after X itself when its length is 0 or too large) is zero, as a power loss can
/// leave. Anything else is corruption in the middle of the file: records after X exist but
/// cannot be trusted.
///
/// **Files in a data directory**: `journal-<generation>.ccj` and `snapshot-<generation>.ccs`,
/// the generation as 20 decimal digits; `<name>.tmp` while a file is written atomically (left
/// over only by a crash, removed at start); `channelcastd.lock`, holding the owner's pid.
public enum RecordFileFormat {
  /// Bytes in the file header, its checksum included.
  public static let headerLength = 28
  /// Bytes in a record's frame before its type byte: length and checksum.
  public static let frameHeaderLength = 8
  /// The largest valid length field (type + body): 256 MiB.
  public static let maximumRecordLength = 256 << 20

  /// The end offset of a well-formed frame at `offset` (its checksum unchecked): nil when its
  /// frame header is incomplete, its length is 0 or above the maximum, or it runs past the end.
  static func frameEnd(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
    guard bytes.count - offset >= frameHeaderLength else { return nil }
    let length = Int(bytes.littleEndianUInt32(at: offset))
    guard length > 0, length <= maximumRecordLength else { return nil }
    let end = offset + frameHeaderLength + length
    return end <= bytes.count ? end : nil
  }
}
