/// Where and why a document is not acceptable JSON.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The byte offset in the input at which the problem was found.
  public let offset: Int
  /// What is wrong, in words meant for the person who sent the document.
  public let reason: String

  /// Creates an error for the problem `reason` found at byte `offset`.
  public init(offset: Int, reason: String) {
    self.offset = offset
    self.reason = reason
  }

  /// The reason followed by its offset, e.g. `unterminated string at byte 7`.
  public var description: String { "\(reason) at byte \(offset)" }
}
