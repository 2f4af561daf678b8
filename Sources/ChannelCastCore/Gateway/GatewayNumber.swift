/// The daemon's number for one gateway session (from `hello` until `bye` or disconnection):
/// what the presence index stores per attached user and what batches are addressed to.
///
/// Numbers are small and reused: the gateway socket hands out the lowest free one, and takes a
/// number back only after every shard has forgotten the session's attachments.
public struct GatewayNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let value: UInt16

  public init(_ value: UInt16) {
    self.value = value
  }

  /// The most sessions at once.
  public static let capacity = Int(UInt16.max)

  public var index: Int { Int(value) }

  public static func < (lhs: GatewayNumber, rhs: GatewayNumber) -> Bool { lhs.value < rhs.value }

  public var description: String { "gateway #\(value)" }
}
