/// The members of a JSON object: key → raw value, in document order. Duplicate keys are
/// rejected at parse time.
///
/// Lookup is a linear scan comparing bytes, the fastest approach for the small objects of the
/// protocol. Keys compare byte for byte after escapes are resolved, with no Unicode
/// normalization: a precomposed "é" and a decomposed "é" are different keys.
public struct JSONObject: Sendable {
  /// The bytes the member locations refer to; they are relative to its start index.
  private let document: ArraySlice<UInt8>
  private let members: [JSONScannedChild]

  init(document: ArraySlice<UInt8>, members: [JSONScannedChild]) {
    self.document = document
    self.members = members
  }

  /// The value of the member named `key`, or nil if the object has no such member.
  public subscript(key: String) -> JSONRawValue? {
    var key = key
    let index = key.withUTF8 { wanted in
      document.withUnsafeBufferPointer { input in
        members.firstIndex { Self.key(of: $0, in: input, equals: wanted) }
      }
    }
    return index.map { JSONRawValue(members[$0].value, in: document) }
  }

  /// The decoded keys, in document order.
  public var keys: [String] {
    document.withUnsafeBufferPointer { input in
      members.map { String(decoding: Self.decodedKey(of: $0, in: input), as: UTF8.self) }
    }
  }

  /// The number of members.
  public var count: Int { members.count }

  private static func key(
    of member: JSONScannedChild,
    in input: UnsafeBufferPointer<UInt8>,
    equals wanted: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    let key = member.key!
    guard key.stringHasEscapes else {
      return key.contentRange.count == wanted.count
        && JSONBytes.equal(UnsafeBufferPointer(rebasing: input[key.contentRange]), wanted)
    }
    // An escape is never shorter than what it stands for, so a raw key shorter than the wanted
    // one cannot match.
    return key.contentRange.count >= wanted.count
      && JSONStringDecoder.decode(input, contents: key.contentRange).elementsEqual(wanted)
  }

  private static func decodedKey(
    of member: JSONScannedChild,
    in input: UnsafeBufferPointer<UInt8>
  ) -> [UInt8] {
    let key = member.key!
    guard key.stringHasEscapes else { return Array(input[key.contentRange]) }
    return JSONStringDecoder.decode(input, contents: key.contentRange)
  }
}
