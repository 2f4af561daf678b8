/// The envelopes of one broadcast, one per message flag: what a subscriber with that flag
/// receives, or nil when it receives nothing.
public struct BroadcastEnvelopes: Sendable {
  private let byFlag: [SharedBytes?]

  public init(acceptAndNotify: SharedBytes?, acceptNotNotify: SharedBytes?, discard: SharedBytes?) {
    byFlag = [acceptAndNotify, acceptNotNotify, discard]
  }

  /// The same envelope for every subscriber, whatever its flag (channel-wide events).
  public static func everyone(_ envelope: SharedBytes) -> BroadcastEnvelopes {
    BroadcastEnvelopes(acceptAndNotify: envelope, acceptNotNotify: envelope, discard: envelope)
  }

  public subscript(flag: MessageFlag) -> SharedBytes? {
    byFlag[Int(flag.rawValue)]
  }
}
