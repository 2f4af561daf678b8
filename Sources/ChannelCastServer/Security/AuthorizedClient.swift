import ChannelCastCore

/// One `[[client]]` of the clients file: a CURVE public key and what it may do.
public struct AuthorizedClient: Sendable, Equatable {
  /// The client's long-term public key, 40 characters of Z85.
  public let publicKey: String
  public let role: Role
  /// A label for logs (`name` in the file); the key's first characters when absent.
  public let name: String

  public init(publicKey: String, role: Role, name: String? = nil) {
    self.publicKey = publicKey
    self.role = role
    self.name = name ?? "key \(publicKey.prefix(8))…"
  }
}
