/// The kinds of delivery the daemon sends, named as the envelopes' `type`: what the metrics
/// count.
public enum EventType: Int, CaseIterable, Sendable {
  case message
  case messageRecalled
  case officialAccountInfoChanged
  case officialAccountDeleted
  case officialAccountSubscribed
  case officialAccountUnsubscribed
  case subscriberMessage

  /// The envelope's `type`.
  public var name: String {
    switch self {
    case .message: "message"
    case .messageRecalled: "messageRecalled"
    case .officialAccountInfoChanged: "officialAccountInfoChanged"
    case .officialAccountDeleted: "officialAccountDeleted"
    case .officialAccountSubscribed: "officialAccountSubscribed"
    case .officialAccountUnsubscribed: "officialAccountUnsubscribed"
    case .subscriberMessage: "subscriberMessage"
    }
  }
}
