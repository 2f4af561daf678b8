/// The six kinds of value the JSON grammar knows.
public enum JSONValueKind: Sendable, Equatable {
  case object
  case array
  case string
  case number
  case bool
  case null

  /// The kind as it reads in an error message: "an object", "a string", "null".
  var nameWithArticle: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }
}
