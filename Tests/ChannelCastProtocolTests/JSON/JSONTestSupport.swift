import ChannelCastProtocol

/// The UTF-8 bytes of `text`, for writing documents as string literals.
func jsonBytes(_ text: String) -> [UInt8] {
  Array(text.utf8)
}

/// The error `parseValue` throws for `document`, or nil if it parses.
func jsonValueError(_ document: [UInt8]) -> JSONSyntaxError? {
  do {
    _ = try JSONParser.parseValue(document)
    return nil
  } catch {
    return error
  }
}

/// The error `parseValue` throws for `document`, or nil if it parses.
func jsonValueError(_ document: String) -> JSONSyntaxError? {
  jsonValueError(jsonBytes(document))
}

/// The error `parseObject` throws for `document`, or nil if it parses.
func jsonObjectError(_ document: String) -> JSONSyntaxError? {
  do {
    _ = try JSONParser.parseObject(jsonBytes(document))
    return nil
  } catch {
    return error
  }
}

/// `text` nested inside `depth` arrays: `[[text]]` for a depth of 2.
func jsonNestedInArrays(_ text: String, depth: Int) -> String {
  String(repeating: "[", count: depth) + text + String(repeating: "]", count: depth)
}
