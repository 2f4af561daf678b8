/// A data directory the daemon cannot start from, and what to do about it.
public struct DurabilityError: Error, CustomStringConvertible {
  public let description: String

  init(_ description: String) {
    self.description = description
  }
}
