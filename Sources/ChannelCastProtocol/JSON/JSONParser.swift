/// Parses and validates JSON documents, keeping the exact bytes of every value.
public struct JSONParser {
  /// The deepest nesting of objects and arrays accepted unless the caller says otherwise.
  public static let defaultMaxDepth = 64

  /// Parses a complete document whose top-level value must be an object (the protocol's request
  /// shape).
  ///
  /// Validates everything, including nested values such as a payload: RFC 8259 grammar, UTF-8
  /// validity, control characters in strings, lone UTF-16 surrogate escapes, nesting deeper than
  /// `maxDepth`, duplicate keys in any object, and trailing non-whitespace.
  public static func parseObject(
    _ bytes: [UInt8],
    maxDepth: Int = defaultMaxDepth
  ) throws(JSONSyntaxError) -> JSONObject {
    try parseObject(bytes[...], maxDepth: maxDepth)
  }

  /// Parses a complete document held in a slice, like `parseObject(_:maxDepth:)`.
  public static func parseObject(
    _ document: ArraySlice<UInt8>,
    maxDepth: Int = defaultMaxDepth
  ) throws(JSONSyntaxError) -> JSONObject {
    let (root, children) = try scan(document, maxDepth: maxDepth, collectingChildren: true)
    guard root.kind == .object else {
      throw JSONSyntaxError(
        offset: root.start,
        reason: "the request must be a JSON object, not \(root.kind.nameWithArticle)")
    }
    return JSONObject(document: document, members: children)
  }

  /// Parses and validates any single JSON value (used for a payload given on its own, e.g. by a
  /// command-line tool), with the same checks as `parseObject`.
  public static func parseValue(
    _ bytes: [UInt8],
    maxDepth: Int = defaultMaxDepth
  ) throws(JSONSyntaxError) -> JSONRawValue {
    let document = bytes[...]
    let (root, _) = try scan(document, maxDepth: maxDepth, collectingChildren: false)
    return JSONRawValue(root, in: document)
  }

  /// The direct children of a container that was validated when its document was parsed.
  ///
  /// They are found again on demand rather than recorded for every container during parsing,
  /// so that parsing a request allocates only for its top level.
  static func children(ofValidated container: ArraySlice<UInt8>) -> [JSONScannedChild] {
    do {
      // The document's own depth limit already held, so none applies here.
      return try scan(container, maxDepth: .max, collectingChildren: true).children
    } catch {
      preconditionFailure("a value validated at parse time no longer parses: \(error)")
    }
  }

  private static func scan(
    _ document: ArraySlice<UInt8>,
    maxDepth: Int,
    collectingChildren: Bool
  ) throws(JSONSyntaxError) -> (root: JSONScannedValue, children: [JSONScannedChild]) {
    try document.withUnsafeBufferPointer { input throws(JSONSyntaxError) in
      var scanner = JSONScanner(
        input: input, maxDepth: maxDepth, collectsChildren: collectingChildren)
      let root = try scanner.scanDocument()
      return (root, scanner.children)
    }
  }
}
