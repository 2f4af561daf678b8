extension ConfigurationKey {
  /// Reads settings given on the command line, each key as its flag: `--kebab-name value` or
  /// `--kebab-name=value`, in the order given. The text becomes a value of the key's kind;
  /// ranges and choices are checked when the value is applied, as for the file.
  public static func values(fromFlags arguments: [String]) throws(ConfigurationError)
    -> [(ConfigurationKey, ConfigurationValue)]
  {
    var values: [(ConfigurationKey, ConfigurationValue)] = []
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      let (flag, attached) = split(argument)
      guard let key = all.first(where: { $0.flag == flag }) else {
        throw ConfigurationError(
          key: nil,
          reason: "unknown option \(argument); the settings are "
            + all.map(\.flag).joined(separator: ", "),
          source: "command line")
      }
      guard let text = attached ?? remaining.popFirst() else {
        throw ConfigurationError(
          key: key.name, reason: "\(key.flag) needs a value", source: "command line")
      }
      values.append((key, try key.value(fromFlag: text)))
    }
    return values
  }

  /// `--name=value` as its two parts; anything else as itself and nil.
  private static func split(_ argument: String) -> (String, String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else {
      return (argument, nil)
    }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  private func value(fromFlag text: String) throws(ConfigurationError) -> ConfigurationValue {
    switch kind {
    case .string:
      return .string(text)
    case .integer:
      guard let number = Int(text) else {
        throw ConfigurationError(
          key: name, reason: "expected an integer, got \"\(text)\"", source: "command line")
      }
      return .integer(number)
    case .boolean:
      guard let flag = Bool(text) else {
        throw ConfigurationError(
          key: name, reason: "expected true or false, got \"\(text)\"", source: "command line")
      }
      return .boolean(flag)
    case .stringList:
      return .strings(
        text.isEmpty
          ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }
  }
}
