import ZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a CURVE key, a key file or a public-key file cannot be used: where the key came from and
/// what is wrong with it, in words a user can act on.
public struct KeyFileError: Error, CustomStringConvertible, Equatable {
  /// What is wrong.
  public enum Reason: Equatable, Sendable {
    /// The file cannot be opened or read: the `errno` value.
    case unreadable(errno: Int32)
    /// Group or others may access a key file, which holds a secret key: its permission bits.
    case accessibleByOthers(permissions: UInt32)
    /// The key file is not TOML: the parser's message.
    case notTOML(String)
    /// The key file has a key other than `publicKey` and `secretKey`.
    case unknownKey(String)
    /// The key file has no `publicKey` or no `secretKey`.
    case missingKey(String)
    /// A key file's `publicKey` or `secretKey` is not a string.
    case notAString(key: String)
    /// A key is not 40 characters long: its name and its length.
    case wrongLength(key: String, characters: Int)
    /// A key has 40 characters but is not Z85 text.
    case notZ85(key: String)
    /// The key file's `publicKey` is not the public key of its `secretKey`.
    case keysDoNotMatch
    /// A command-line argument is neither a public key nor the path of a file.
    case neitherKeyNorFile
    /// The file to write exists, and replacing it was not asked for.
    case alreadyExists
    /// Writing the file failed: the system call and the `errno` value.
    case unwritable(operation: String, errno: Int32)
    /// libzmq cannot make or check CURVE keys (built without CURVE): its error.
    case curveUnavailable(ZMQError)
  }

  /// The file, or the text, that the key came from.
  public let source: String
  public let reason: Reason

  init(source: String, reason: Reason) {
    self.source = source
    self.reason = reason
  }

  /// `"<source>: <what is wrong>"`.
  public var description: String { "\(source): \(explanation)" }

  private var explanation: String {
    switch reason {
    case .unreadable(let code): "cannot read it: \(Self.text(errno: code))"
    case .accessibleByOthers(let permissions):
      "its permissions \(Self.octal(permissions)) let other users read or change it; a key "
        + "file holds a secret key and must be accessible to its owner only: chmod 600 \(source)"
    case .notTOML(let message): "not a key file: not valid TOML: \(message)"
    case .unknownKey(let name):
      "unknown key \(name); a key file holds only publicKey and secretKey"
    case .missingKey(let name):
      "no \(name); a key file holds publicKey and secretKey (channelcast keygen makes one)"
    case .notAString(let name): "\(name) is not a string: write \(name) = \"<Z85 key>\""
    case .wrongLength(let name, let characters):
      "\(name) is \(characters) characters; a CURVE key is 40 characters of Z85"
    case .notZ85(let name):
      "\(name) is not Z85 text (digits, letters and .-:+=^!/*?&<>()[]{}@%$# only)"
    case .keysDoNotMatch:
      "publicKey is not the public key of secretKey; were they copied from different files?"
    case .neitherKeyNorFile:
      "neither a CURVE public key (40 characters of Z85) nor a file that holds one"
    case .alreadyExists: "already exists"
    case .unwritable(let operation, let code):
      "cannot write it: \(operation): \(Self.text(errno: code))"
    case .curveUnavailable(let error): "libzmq cannot make or check CURVE keys: \(error)"
    }
  }

  private static func text(errno code: Int32) -> String {
    String(cString: strerror(code))
  }

  /// Permission bits as `chmod` takes them, such as `0644`.
  private static func octal(_ permissions: UInt32) -> String {
    let digits = String(permissions, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
