/// A journal or snapshot record that cannot be applied: it does not decode, or it contradicts
/// the state built so far. Recovery stops at it (the daemon names the file and offset).
public struct RecoveryError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }

  init(_ error: RecordDecodingError) {
    self.description = error.description
  }
}
