/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF),
/// the checksum of every record file header and record.
///
/// Computed in software, eight bytes at a time (slice-by-8), so that checking a snapshot of a
/// few hundred megabytes takes a fraction of a second.
public enum CRC32C {
  /// The checksum of `bytes`, or of the bytes before them followed by `bytes` when `crc` is the
  /// checksum of the bytes before them: `checksum(b, continuing: checksum(a)) == checksum(a + b)`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0)
    -> UInt32
  {
    table.withUnsafeBufferPointer { table in
      var crc = ~crc
      var offset = 0
      let count = bytes.count
      while count - offset >= 8 {
        let word = UInt64(
          littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let low = UInt32(truncatingIfNeeded: word) ^ crc
        let high = UInt32(truncatingIfNeeded: word >> 32)
        let fromLow =
          table[7 &* 256 &+ Int(low & 0xFF)] ^ table[6 &* 256 &+ Int((low >> 8) & 0xFF)]
          ^ table[5 &* 256 &+ Int((low >> 16) & 0xFF)] ^ table[4 &* 256 &+ Int(low >> 24)]
        let fromHigh =
          table[3 &* 256 &+ Int(high & 0xFF)] ^ table[2 &* 256 &+ Int((high >> 8) & 0xFF)]
          ^ table[256 &+ Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
        crc = fromLow ^ fromHigh
        offset &+= 8
      }
      while offset < count {
        crc = table[Int((crc ^ UInt32(bytes[offset])) & 0xFF)] ^ (crc >> 8)
        offset &+= 1
      }
      return ~crc
    }
  }

  /// The checksum of `bytes`, continuing `crc` as the raw-buffer overload does.
  public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0, continuing: crc) }
  }

  /// The checksum of `bytes`, continuing `crc` as the raw-buffer overload does.
  public static func checksum(_ bytes: ArraySlice<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0, continuing: crc) }
  }

  /// Eight tables of 256 entries, one after another: table 0 is the classic byte-at-a-time
  /// table; entry n of table k is the CRC of byte n followed by k zero bytes, which lets the
  /// loop above fold eight input bytes with eight independent look-ups.
  private static let table: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
      var crc = UInt32(byte)
      for _ in 0..<8 {
        crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
      }
      table[byte] = crc
    }
    for slice in 1..<8 {
      for byte in 0..<256 {
        let previous = table[(slice - 1) * 256 + byte]
        table[slice * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
      }
    }
    return table
  }()
}
