import ChannelCastProtocol

/// What a fan-out job delivers, as a gateway that missed it is told in a `gap` notice: the
/// channel, and the seq of its entry (for an event without a seq of its own, the channel's last
/// seq when it was sent).
public struct DeliveryMark: Sendable {
  public let officialAccountID: ByteString
  public let seq: UInt64

  public init(officialAccountID: ByteString, seq: UInt64) {
    self.officialAccountID = officialAccountID
    self.seq = seq
  }
}
