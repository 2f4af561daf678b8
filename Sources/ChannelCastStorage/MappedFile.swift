#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The whole content of a file, mapped read-only, so that reading a snapshot of a few hundred
/// megabytes costs no copy and no more memory than the page cache already holds.
///
/// Owns its mapping, which lives until the instance is gone. Nothing may shrink the file
/// meanwhile: reading a page past its new end would crash the process (SIGBUS).
final class MappedFile {
  /// The file's bytes as they were when mapped.
  let bytes: UnsafeRawBufferPointer

  /// Maps `path` from its first byte to its current end.
  init(path: String) throws(StorageError) {
    let descriptor = try FileSystem.openFile(path, O_RDONLY)
    // The mapping keeps the file open on its own.
    defer { FileSystem.closeFile(descriptor) }
    let length = try FileSystem.length(of: descriptor, path: path)
    guard length > 0 else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw .lastIO(path: path, operation: "mmap")
    }
    // A hint only: read ahead aggressively, since records are read front to back.
    _ = madvise(address, length, MADV_SEQUENTIAL)
    bytes = UnsafeRawBufferPointer(start: address, count: length)
  }

  deinit {
    if let address = bytes.baseAddress {
      munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
    }
  }
}
