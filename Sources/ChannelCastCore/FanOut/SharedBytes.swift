/// An immutable byte buffer shared by every delivery of a broadcast: encoded once, read by all
/// shards, freed when the last shard is done with it.
///
/// `@unchecked Sendable`: the bytes are written once in `init` and never change afterwards.
public final class SharedBytes: @unchecked Sendable {
  public let buffer: UnsafeRawBufferPointer

  public init(_ bytes: [UInt8]) {
    let storage = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(bytes.count, 1), alignment: 1)
    bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
    buffer = UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count])
  }

  deinit {
    UnsafeMutableRawPointer(mutating: buffer.baseAddress)?.deallocate()
  }

  public var count: Int { buffer.count }
}
