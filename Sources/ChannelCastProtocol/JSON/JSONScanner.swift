/// Validates one complete JSON document in a single pass over its bytes and reports where its
/// top-level value is and, on request, where the direct children of that value are.
///
/// The scan is iterative, with an explicit stack of open containers, so that no document and no
/// `maxDepth` can exhaust the thread's stack.
struct JSONScanner {
  /// An object or array whose closing bracket has not been reached yet.
  private struct OpenContainer {
    var isObject: Bool
    var start: Int
    /// For an object, the token from `JSONDuplicateKeyDetector.beginObject()`.
    var firstKeyIndex = 0
  }

  let input: UnsafeBufferPointer<UInt8>
  var position = 0
  private let maxDepth: Int
  private let collectsChildren: Bool
  private var openContainers: [OpenContainer] = []
  private var duplicateKeys = JSONDuplicateKeyDetector()
  /// The direct children of the top-level value, if it is a container and they were asked for.
  private(set) var children: [JSONScannedChild] = []
  /// The key of the top-level object's member whose value is being scanned.
  private var currentTopLevelKey: JSONScannedValue?
  /// Room for the members of any request the protocol has. Kept under 1 KiB: glibc serves a
  /// larger allocation from its large bins, consolidating its fast bins first, which cost the
  /// command thread several percent of its time when every request's children took 1,056 bytes.
  private static let initialChildCapacity = 12

  init(input: UnsafeBufferPointer<UInt8>, maxDepth: Int, collectsChildren: Bool) {
    self.input = input
    self.maxDepth = maxDepth
    self.collectsChildren = collectsChildren
  }

  /// Validates the whole input as one JSON value surrounded by optional whitespace.
  mutating func scanDocument() throws(JSONSyntaxError) -> JSONScannedValue {
    skipWhitespace()
    guard position < input.count else {
      let reason = input.isEmpty ? "the input is empty" : "the input contains only whitespace"
      throw JSONSyntaxError(offset: 0, reason: reason)
    }
    let value = try scanValue()
    skipWhitespace()
    guard position == input.count else {
      throw JSONSyntaxError(offset: position, reason: "trailing characters after the value")
    }
    return value
  }

  /// Scans one value, with everything nested in it.
  private mutating func scanValue() throws(JSONSyntaxError) -> JSONScannedValue {
    while true {
      // Going down: a container that opens leaves its first child to the next turn of the loop.
      guard var value = try scanScalarOrOpenContainer() else { continue }
      // Going up: hand the value to its container, and close every container that ends here.
      while let container = openContainers.last {
        if collectsChildren && openContainers.count == 1 {
          if children.capacity == 0 {
            children.reserveCapacity(Self.initialChildCapacity)
          }
          children.append(JSONScannedChild(key: currentTopLevelKey, value: value))
        }
        let closingBracket = container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        skipWhitespace()
        guard position < input.count else {
          throw unexpectedEndOfInput(
            expected: "',' or '\(Character(Unicode.Scalar(closingBracket)))'")
        }
        if input[position] == UInt8(ascii: ",") {
          position += 1
          if container.isObject {
            try scanKeyAndColon()
          }
          break
        }
        guard input[position] == closingBracket else {
          throw unexpectedCharacter(
            expected: "',' or '\(Character(Unicode.Scalar(closingBracket)))'")
        }
        position += 1
        closeInnermostContainer()
        value = JSONScannedValue(
          kind: container.isObject ? .object : .array, start: container.start, end: position)
      }
      if openContainers.isEmpty {
        return value
      }
    }
  }

  /// Scans a string, number or literal, or an empty container; opens a non-empty container and
  /// returns nil, leaving its first child to be scanned next.
  private mutating func scanScalarOrOpenContainer() throws(JSONSyntaxError) -> JSONScannedValue? {
    skipWhitespace()
    guard position < input.count else { throw unexpectedEndOfInput(expected: "a value") }
    let start = position
    switch input[position] {
    case UInt8(ascii: "{"):
      try openContainer(isObject: true)
      if input[position] == UInt8(ascii: "}") {
        position += 1
        closeInnermostContainer()
        return JSONScannedValue(kind: .object, start: start, end: position)
      }
      try scanKeyAndColon()
      return nil
    case UInt8(ascii: "["):
      try openContainer(isObject: false)
      if input[position] == UInt8(ascii: "]") {
        position += 1
        closeInnermostContainer()
        return JSONScannedValue(kind: .array, start: start, end: position)
      }
      return nil
    case UInt8(ascii: "\""):
      return try scanString()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try scanNumber()
    case UInt8(ascii: "t"):
      return try scanLiteral("true", kind: .bool)
    case UInt8(ascii: "f"):
      return try scanLiteral("false", kind: .bool)
    case UInt8(ascii: "n"):
      return try scanLiteral("null", kind: .null)
    default:
      throw unexpectedCharacter(expected: "a value")
    }
  }

  /// Opens the container whose bracket is at `position`, and moves to the first non-whitespace
  /// byte after the bracket, which must exist.
  private mutating func openContainer(isObject: Bool) throws(JSONSyntaxError) {
    guard openContainers.count < maxDepth else {
      throw JSONSyntaxError(offset: position, reason: "nesting deeper than \(maxDepth) levels")
    }
    if openContainers.capacity == 0 {
      openContainers.reserveCapacity(min(maxDepth, 16))
    }
    openContainers.append(
      OpenContainer(
        isObject: isObject, start: position,
        firstKeyIndex: isObject ? duplicateKeys.beginObject() : 0))
    position += 1
    skipWhitespace()
    guard position < input.count else {
      throw unexpectedEndOfInput(expected: isObject ? "a string key or '}'" : "a value or ']'")
    }
  }

  private mutating func closeInnermostContainer() {
    let level = openContainers.count
    let container = openContainers.removeLast()
    if container.isObject {
      duplicateKeys.endObject(firstKeyIndex: container.firstKeyIndex, level: level)
    }
  }

  /// Scans an object member's key and the colon after it, rejecting a key already in the object.
  private mutating func scanKeyAndColon() throws(JSONSyntaxError) {
    skipWhitespace()
    guard position < input.count else { throw unexpectedEndOfInput(expected: "a string key") }
    guard input[position] == UInt8(ascii: "\"") else {
      throw unexpectedCharacter(expected: "a string key")
    }
    let key = try scanString()
    let isNew = duplicateKeys.insert(
      key, in: input, firstKeyIndex: openContainers.last!.firstKeyIndex,
      level: openContainers.count)
    guard isNew else {
      throw JSONSyntaxError(offset: key.start, reason: "duplicate key \"\(displayedKey(key))\"")
    }
    if openContainers.count == 1 {
      currentTopLevelKey = key
    }
    skipWhitespace()
    guard position < input.count else { throw unexpectedEndOfInput(expected: "':'") }
    guard input[position] == UInt8(ascii: ":") else { throw unexpectedCharacter(expected: "':'") }
    position += 1
  }

  /// A key as written in the document (escapes left as they are), cut short if it is long.
  private func displayedKey(_ key: JSONScannedValue) -> String {
    let limit = 64
    let contents = key.contentRange
    guard contents.count > limit else { return String(decoding: input[contents], as: UTF8.self) }
    var end = contents.lowerBound + limit
    while input[end] & 0xC0 == 0x80 {  // do not cut a UTF-8 sequence in two
      end -= 1
    }
    return String(decoding: input[contents.lowerBound..<end], as: UTF8.self) + "…"
  }

  mutating func skipWhitespace() {
    while position < input.count {
      switch input[position] {
      case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
        position += 1
      default:
        return
      }
    }
  }
}
