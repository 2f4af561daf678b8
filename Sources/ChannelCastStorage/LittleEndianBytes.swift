// Reading and writing the little-endian integers of the record file format.

extension UnsafeRawBufferPointer {
  /// The UInt32 stored little-endian at `offset`, which need not be aligned.
  func littleEndianUInt32(at offset: Int) -> UInt32 {
    UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  /// The UInt64 stored little-endian at `offset`, which need not be aligned.
  func littleEndianUInt64(at offset: Int) -> UInt64 {
    UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }
}

extension [UInt8] {
  /// Appends `value` as its little-endian bytes.
  mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  /// Overwrites the four bytes at `offset` with `value`, little-endian.
  mutating func storeLittleEndian(_ value: UInt32, at offset: Int) {
    withUnsafeMutableBytes {
      $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
  }
}
