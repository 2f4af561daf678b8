/// A CURVE public key given as text: on a command line, in a `.pub` file, in a daemon's
/// clients file.
public enum CurvePublicKey {
  /// `text` itself when it is a public key: 40 characters of Z85, 32 bytes decoded. Otherwise
  /// the error names `source` (a file, a line, an option) and says what is wrong.
  public static func parse(_ text: String, source: String) throws(KeyFileError) -> String {
    if let problem = Z85Key.problem(with: text, name: "the public key") {
      throw KeyFileError(source: source, reason: problem)
    }
    return text
  }

  /// The public key a command-line argument stands for: the key itself; a path ending in
  /// `.key`, a key file whose `publicKey` it is (checked like ``CurveKeyPair/load(keyFile:)``);
  /// or the path of any other file, a `.pub` file holding the key on one line (white space
  /// around it is ignored). A file comes first: a path of 40 characters such as
  /// `/tmp/channelcast-e2e-FB41E5A7/server.pub` is valid Z85 too.
  public static func resolve(argument: String) throws(KeyFileError) -> String {
    if argument.hasSuffix(".key") {
      return try CurveKeyPair.load(keyFile: argument).publicKey
    }
    guard KeyFileSystem.exists(argument) else {
      if Z85Key.problem(with: argument, name: "the public key") == nil { return argument }
      // Forty characters and no such file: most likely a key with a typo in it.
      if argument.count == 40 { return try parse(argument, source: argument) }
      throw KeyFileError(source: argument, reason: .neitherKeyNorFile)
    }
    var line = Substring(try KeyFileSystem.readText(argument, ownerOnly: false))
    while line.first?.isWhitespace == true { line.removeFirst() }
    while line.last?.isWhitespace == true { line.removeLast() }
    return try parse(String(line), source: argument)
  }
}
