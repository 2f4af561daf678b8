/// The kinds of event the daemon's event feed (`eventsEndpoint`) publishes: one per journal
/// record that changes what the daemon holds. The name is both the message's topic frame and
/// the event's `"type"`.
///
/// None of the names is a prefix of another, so a SUB socket subscribed to one name receives
/// that type only.
public enum FeedEventType: String, CaseIterable, Sendable {
  case officialAccountCreated
  case officialAccountInfoChanged
  case officialAccountDeleted
  case subscribed
  case unsubscribed
  case subscriptionOptionsChanged
  case messageSent
  case messagesRecalled
  case subscriberMessage

  /// The version of the event objects, their `"v"`.
  public static let formatVersion = 1

  /// The name, as the topic frame and the event's `"type"`.
  public var name: String { rawValue }

  /// The type with this name, or nil for a name that is not one of the nine.
  public init?(name: String) {
    self.init(rawValue: name)
  }
}
