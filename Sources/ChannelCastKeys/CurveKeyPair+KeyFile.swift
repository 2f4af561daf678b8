import TOMLKit
import ZeroMQ

/// The `.key` file: TOML with `publicKey` and `secretKey`, mode 0600; and the `.pub` file
/// beside it: the public key alone on one line.
extension CurveKeyPair {
  private static let keyNames: Set = ["publicKey", "secretKey"]

  /// Reads a `.key` file. It must be accessible to its owner only, hold `publicKey` and
  /// `secretKey` and nothing else, each a Z85 key, and the public key must be the one that
  /// belongs to the secret key: a pair pasted together from two files is refused here rather
  /// than failing every handshake later. Errors name the file and say what is wrong.
  public static func load(keyFile path: String) throws(KeyFileError) -> CurveKeyPair {
    let text = try KeyFileSystem.readText(path, ownerOnly: true)
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw KeyFileError(
        source: path, reason: .notTOML("\(error.description) at line \(error.source.begin.line)"))
    } catch {
      throw KeyFileError(source: path, reason: .notTOML("\(error)"))
    }
    if let unknown = table.keys.sorted().first(where: { !keyNames.contains($0) }) {
      throw KeyFileError(source: path, reason: .unknownKey(unknown))
    }
    let keys = CurveKeyPair(
      publicKey: try key("publicKey", in: table, source: path),
      secretKey: try key("secretKey", in: table, source: path))
    let derived: String
    do {
      derived = try ZeroMQLibrary.curvePublicKey(secretKey: keys.secretKey)
    } catch {
      throw KeyFileError(source: path, reason: .curveUnavailable(error))
    }
    guard derived == keys.publicKey else {
      throw KeyFileError(source: path, reason: .keysDoNotMatch)
    }
    return keys
  }

  /// Writes `NAME.key` (mode 0600) and `NAME.pub` (mode 0644, the public key and a newline)
  /// and returns their paths. Each file appears whole or not at all, and the key file is never
  /// readable by others. Without `overwrite`, nothing is written when either file exists.
  public func write(name: String, overwrite: Bool) throws(KeyFileError) -> (
    keyFile: String, publicFile: String
  ) {
    let keyFile = name + ".key"
    let publicFile = name + ".pub"
    if !overwrite {
      for path in [keyFile, publicFile] where KeyFileSystem.exists(path) {
        throw KeyFileError(source: path, reason: .alreadyExists)
      }
    }
    try KeyFileSystem.writeAtomically(
      keyFileText, to: keyFile, permissions: 0o600, overwrite: overwrite)
    try KeyFileSystem.writeAtomically(
      publicKey + "\n", to: publicFile, permissions: 0o644, overwrite: overwrite)
    return (keyFile, publicFile)
  }

  /// Z85 has neither quotes nor backslashes, so each key is a TOML string as it is.
  private var keyFileText: String {
    """
    # A CURVE key pair for ChannelCast, made by channelcast keygen. secretKey is a secret:
    # keep this file readable by its owner only (mode 0600). Hand out the .pub file instead.
    publicKey = "\(publicKey)"
    secretKey = "\(secretKey)"

    """
  }

  private static func key(_ name: String, in table: TOMLTable, source: String)
    throws(KeyFileError) -> String
  {
    guard let value = table[name] else {
      throw KeyFileError(source: source, reason: .missingKey(name))
    }
    guard let text = value.string else {
      throw KeyFileError(source: source, reason: .notAString(key: name))
    }
    if let problem = Z85Key.problem(with: text, name: name) {
      throw KeyFileError(source: source, reason: problem)
    }
    return text
  }
}
