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

  /// The identity of the first envelope there is.
  var identity: ObjectIdentifier {
    ObjectIdentifier((acceptAndNotify ?? acceptNotNotify ?? discard)!)
  }

  /// Per flag (by raw value), which of the distinct envelopes it receives, numbered 0 to 2: a
  /// channel-wide event sends one envelope to every flag, so gateways get one batch of it.
  var variants: EnvelopeVariants {
    let second = acceptNotNotify === acceptAndNotify ? 0 : 1
    let third = discard === acceptAndNotify ? 0 : discard === acceptNotNotify ? second : 2
    return EnvelopeVariants(acceptNotNotify: second, discard: third)
  }

  public subscript(flag: MessageFlag) -> SharedBytes? {
    switch flag {
    case .acceptAndNotify: acceptAndNotify
    case .acceptNotNotify: acceptNotNotify
    case .discard: discard
    }
  }
}

/// Which of a broadcast's distinct envelopes each flag receives (see `BroadcastEnvelopes.variants`).
struct EnvelopeVariants {
  let acceptNotNotify: Int
  let discard: Int

  subscript(flag: MessageFlag) -> Int {
    switch flag {
    case .acceptAndNotify: 0
    case .acceptNotNotify: acceptNotNotify
    case .discard: discard
    }
  }
}
