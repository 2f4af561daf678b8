import TOMLKit

extension DaemonConfiguration {
  /// Applies one key's value, naming `source` in any error.
  public mutating func set(_ name: String, to value: ConfigurationValue, source: String)
    throws(ConfigurationError)
  {
    guard let key = ConfigurationKey.named(name) else {
      throw Self.unknownKey(name, source: source)
    }
    do {
      try key.apply(&self, value)
    } catch {
      var located = error
      located.source = source
      throw located
    }
  }

  /// Applies every key of a TOML document. Unknown keys and wrong types are errors: a typo in a
  /// config file must not silently leave a default in force.
  public mutating func apply(toml text: String, source: String) throws(ConfigurationError) {
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw ConfigurationError(
        key: nil,
        reason: "not valid TOML: \(error.description) at line \(error.source.begin.line)",
        source: source)
    } catch {
      throw ConfigurationError(key: nil, reason: "not valid TOML: \(error)", source: source)
    }
    for name in table.keys {
      guard let key = ConfigurationKey.named(name) else {
        throw Self.unknownKey(name, source: source)
      }
      let value = table[name]!
      if key.kind == .stringList {
        try set(
          name, to: .strings(try Self.strings(of: value, key: name, source: source)), source: source
        )
      } else if let integer = value.int {
        try set(name, to: .integer(integer), source: source)
      } else if let string = value.string {
        try set(name, to: .string(string), source: source)
      } else if let flag = value.bool {
        try set(name, to: .boolean(flag), source: source)
      } else {
        throw ConfigurationError(
          key: name, reason: "expected a string, an integer or a boolean, got a \(value.type)",
          source: source)
      }
    }
  }

  /// The strings of a TOML array of strings.
  private static func strings(of value: TOMLValueConvertible, key: String, source: String)
    throws(ConfigurationError) -> [String]
  {
    guard let array = value.array else {
      throw ConfigurationError(
        key: key, reason: "expected an array of strings, got a \(value.type)", source: source)
    }
    var strings: [String] = []
    for (index, element) in array.enumerated() {
      guard let string = element.string else {
        throw ConfigurationError(
          key: key,
          reason: "expected an array of strings; element \(index + 1) is of type \(element.type)",
          source: source)
      }
      strings.append(string)
    }
    return strings
  }

  private static func unknownKey(_ name: String, source: String) -> ConfigurationError {
    ConfigurationError(
      key: name,
      reason: "unknown key; known keys: "
        + ConfigurationKey.all.map(\.name).joined(separator: ", "),
      source: source)
  }
}
