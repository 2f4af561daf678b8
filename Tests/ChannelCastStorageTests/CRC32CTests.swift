import ChannelCastStorage
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
  @Test func checkValueOfTheDigitsOneToNine() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
  }

  @Test func emptyInputChecksumIsZero() {
    #expect(CRC32C.checksum([]) == 0)
  }

  /// The 32-byte vectors of RFC 3720 (iSCSI), long enough for the eight-bytes-at-a-time path.
  @Test func rfc3720Vectors() {
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
  }

  @Test func continuingAcrossPiecesEqualsTheWhole() {
    let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
    let whole = CRC32C.checksum(bytes)
    for split in 0...bytes.count {
      let first = CRC32C.checksum(bytes[..<split])
      #expect(CRC32C.checksum(bytes[split...], continuing: first) == whole, "split at \(split)")
    }
  }

  @Test func rawBufferAndSliceOverloadsAgree() {
    let bytes = Array("xx123456789".utf8)
    let fromSlice = CRC32C.checksum(bytes[2...])
    let fromBuffer = bytes.withUnsafeBytes {
      CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[2...]))
    }
    #expect(fromSlice == 0xE306_9283)
    #expect(fromBuffer == 0xE306_9283)
  }
}
