import ZeroMQ

/// The one rule every CURVE key given as text follows: 40 characters of Z85, 32 bytes decoded.
enum Z85Key {
  /// What is wrong with `text` as a key called `name`, or nil when it is a key.
  static func problem(with text: String, name: String) -> KeyFileError.Reason? {
    guard text.count == 40 else { return .wrongLength(key: name, characters: text.count) }
    guard Z85.decode(text)?.count == 32 else { return .notZ85(key: name) }
    return nil
  }
}
