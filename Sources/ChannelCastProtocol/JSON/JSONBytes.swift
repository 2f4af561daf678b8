#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Byte comparisons for the parser's key lookups, done with `memcmp`: the generic
/// `elementsEqual` compares one element at a time through the collection protocols, several
/// times slower on the keys every request is looked up by.
enum JSONBytes {
  /// Whether two byte runs are equal.
  static func equal(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    first.count == second.count
      && (first.isEmpty || memcmp(first.baseAddress!, second.baseAddress!, first.count) == 0)
  }
}
