/// The ops a gateway sends on the gateway socket (docs/protocol.md, Gateway socket).
public enum GatewayOp: String, CaseIterable, Sendable {
  /// Names the gateway (`gatewayID`, `protocolVersion`); the first request of a connection.
  case hello
  /// Marks users online on this gateway (`userIDList`).
  case attach
  /// Marks users offline on this gateway (`userIDList`).
  case detach
  /// Drops every attachment of this gateway.
  case bye

  /// The op whose name is the UTF-8 bytes `name`, or nil if the gateway protocol has none.
  public init?(name: UnsafeBufferPointer<UInt8>) {
    guard
      let op = Self.allCases.first(where: { op in
        Array(op.rawValue.utf8).withUnsafeBufferPointer { JSONBytes.equal($0, name) }
      })
    else { return nil }
    self = op
  }
}

/// The limits and defaults of the gateway protocol.
public enum GatewayProtocol {
  /// The version `hello` names and the daemon answers with.
  public static let version = 1
  /// A `gatewayID` is 1 to this many bytes.
  public static let gatewayIDBytes = 64
  /// The most users one `attach` or `detach` names.
  public static let usersPerRequest = 10_000
  /// What ends each recipient's userID in a batch's recipients frame.
  public static let recipientTerminator: UInt8 = 0
}
