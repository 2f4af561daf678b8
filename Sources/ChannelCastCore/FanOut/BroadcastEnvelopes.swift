/// The envelopes of one broadcast, one per message flag: what a subscriber with that flag
/// receives, or nil when it receives nothing.
///
/// Three stored references rather than an array: every event makes one of these, and an array
/// would cost an allocation each time.
public struct BroadcastEnvelopes: Sendable {
  private let acceptAndNotify: SharedBytes?
  private let acceptNotNotify: SharedBytes?
  private let discard: SharedBytes?

  public init(acceptAndNotify: SharedBytes?, acceptNotNotify: SharedBytes?, discard: SharedBytes?) {
    self.acceptAndNotify = acceptAndNotify
    self.acceptNotNotify = acceptNotNotify
    self.discard = discard
  }

  /// The same envelope for every subscriber, whatever its flag (channel-wide events).
  public static func everyone(_ envelope: SharedBytes) -> BroadcastEnvelopes {
    BroadcastEnvelopes(acceptAndNotify: envelope, acceptNotNotify: envelope, discard: envelope)
  }

  public subscript(flag: MessageFlag) -> SharedBytes? {
    switch flag {
    case .acceptAndNotify: acceptAndNotify
    case .acceptNotNotify: acceptNotNotify
    case .discard: discard
    }
  }
}
