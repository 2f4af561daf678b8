/// Remembers the keys of every object that is open during a scan, so that a key repeated within
/// one object is caught wherever that object is nested.
///
/// Small objects are checked by a linear scan, which needs no allocation beyond one shared array;
/// an object with many keys switches to a hash set so that a hostile document with thousands of
/// keys cannot make the check quadratic.
struct JSONDuplicateKeyDetector {
  /// Keys of all open objects, innermost object's keys last.
  private var keys: [JSONScannedValue] = []
  /// Decoded keys of open objects that outgrew the linear scan, by nesting level.
  private var largeObjectKeys: [Int: Set<[UInt8]>] = [:]

  private static let linearScanLimit = 16

  /// Starts an object; returns the index of its first key, which the object's insertions and
  /// its end pass back.
  mutating func beginObject() -> Int {
    if keys.capacity == 0 {
      keys.reserveCapacity(Self.linearScanLimit)
    }
    return keys.count
  }

  /// Forgets the keys of the innermost open object, which began with `firstKeyIndex` at `level`.
  mutating func endObject(firstKeyIndex: Int, level: Int) {
    keys.removeSubrange(firstKeyIndex...)
    if !largeObjectKeys.isEmpty {
      largeObjectKeys[level] = nil
    }
  }

  /// Records `key` (a string, quotes included) for the innermost open object, which began with
  /// `firstKeyIndex` at nesting `level`; returns false if that object already has a key with
  /// the same decoded bytes.
  mutating func insert(
    _ key: JSONScannedValue,
    in input: UnsafeBufferPointer<UInt8>,
    firstKeyIndex: Int,
    level: Int
  ) -> Bool {
    if !largeObjectKeys.isEmpty, largeObjectKeys[level] != nil {
      return largeObjectKeys[level]!.insert(Self.decodedBytes(of: key, in: input)).inserted
    }
    for earlier in keys[firstKeyIndex...] where Self.areEqual(earlier, key, in: input) {
      return false
    }
    keys.append(key)
    if keys.count - firstKeyIndex > Self.linearScanLimit {
      largeObjectKeys[level] = Set(
        keys[firstKeyIndex...].map { Self.decodedBytes(of: $0, in: input) })
      keys.removeSubrange(firstKeyIndex...)
    }
    return true
  }

  private static func areEqual(
    _ first: JSONScannedValue,
    _ second: JSONScannedValue,
    in input: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    if !first.stringHasEscapes && !second.stringHasEscapes {
      return first.contentRange.count == second.contentRange.count
        && JSONBytes.equal(
          UnsafeBufferPointer(rebasing: input[first.contentRange]),
          UnsafeBufferPointer(rebasing: input[second.contentRange]))
    }
    return decodedBytes(of: first, in: input) == decodedBytes(of: second, in: input)
  }

  private static func decodedBytes(
    of key: JSONScannedValue,
    in input: UnsafeBufferPointer<UInt8>
  ) -> [UInt8] {
    guard key.stringHasEscapes else { return Array(input[key.contentRange]) }
    return JSONStringDecoder.decode(input, contents: key.contentRange)
  }
}
