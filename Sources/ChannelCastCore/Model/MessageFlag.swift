/// What a subscriber wants done with a channel's messages (the SDKs' `msgFlag`).
public enum MessageFlag: UInt8, Sendable, CaseIterable {
  /// Deliver, and let the client notify the user.
  case acceptAndNotify = 0
  /// Deliver with `"notify": false`.
  case acceptNotNotify = 1
  /// Do not deliver messages or recalls (channel-wide events still arrive).
  case discard = 2

  /// The protocol name, as the SDKs spell it.
  public var name: String {
    switch self {
    case .acceptAndNotify: "acceptAndNotify"
    case .acceptNotNotify: "acceptNotNotify"
    case .discard: "discard"
    }
  }

  public init?(name: String) {
    guard let flag = MessageFlag.allCases.first(where: { $0.name == name }) else { return nil }
    self = flag
  }
}
