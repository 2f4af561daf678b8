import ArgumentParser
import ChannelCastProtocol

/// `channelcast subscribe`: subscribeOfficialAccount, single or batch.
struct SubscribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subscribe",
    abstract: "Subscribe users to a channel (subscribeOfficialAccount).",
    discussion: """
      With one user, prints the channel's info with its subscribeTime; the user receives \
      officialAccountSubscribed. Subscribing again changes nothing. With several users (at \
      most 1000) the batch form is sent and the result has one resultCode per user.

      EXAMPLES
        channelcast subscribe '@TOA#_news' alice
        channelcast subscribe '@TOA#_news' bob carol dave
      """)

  @Argument(help: "The channel to subscribe to.")
  var officialAccountID: String

  @Argument(help: ArgumentHelp("The users who subscribe.", valueName: "user-id"))
  var userIDs: [String]

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.subscribeOfficialAccount) { request in
      request.add("officialAccountID", officialAccountID)
      if userIDs.count == 1 {
        request.add("userID", userIDs[0])
      } else {
        var list = JSONArrayWriter()
        for user in userIDs { list.append(user) }
        request.add("userIDList", array: list)
      }
    }
  }
}

/// `channelcast unsubscribe`: unsubscribeOfficialAccount.
struct UnsubscribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unsubscribe",
    abstract: "Unsubscribe a user from a channel (unsubscribeOfficialAccount).",
    discussion: """
      Prints {}. The user receives officialAccountUnsubscribed. A user who does not subscribe \
      is a not_found error.

      EXAMPLE
        channelcast unsubscribe '@TOA#_news' alice
      """)

  @Argument(help: "The channel to leave.")
  var officialAccountID: String

  @Argument(help: "The user who leaves.")
  var userID: String

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.unsubscribeOfficialAccount) { request in
      request.add("officialAccountID", officialAccountID)
      request.add("userID", userID)
    }
  }
}

/// How a subscriber wants a channel's messages delivered: the protocol's `msgFlag`.
enum MessageFlagArgument: String, ExpressibleByArgument, CaseIterable {
  case acceptAndNotify
  case acceptNotNotify
  case discard
}

/// `channelcast options`: setSubscriptionOptions.
struct OptionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "options",
    abstract: "Change how a subscriber receives a channel (setSubscriptionOptions).",
    discussion: """
      Prints the subscription. acceptAndNotify (the default for a new subscription) delivers \
      messages with "notify": true, acceptNotNotify delivers them with "notify": false, and \
      discard delivers none (events still arrive).

      EXAMPLE
        channelcast options '@TOA#_news' alice --msg-flag acceptNotNotify
      """)

  @Argument(help: "The channel subscribed to.")
  var officialAccountID: String

  @Argument(help: "The subscriber.")
  var userID: String

  @Option(help: "How messages are delivered to this subscriber.")
  var msgFlag: MessageFlagArgument?

  @Option(help: "Application data stored with the subscription (at most 3000 bytes).")
  var customData: String?

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.setSubscriptionOptions) { request in
      request.add("officialAccountID", officialAccountID)
      request.add("userID", userID)
      if let msgFlag { request.add("msgFlag", msgFlag.rawValue) }
      if let customData { request.add("customData", customData) }
    }
  }
}

/// `channelcast subscribers`: getSubscribers.
struct SubscribersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subscribers",
    abstract: "List a channel's subscribers, ordered by user ID (getSubscribers).",
    discussion: """
      Prints {"subscribers": [...], "nextCursor": ..., "subscriberCount": ...}. While \
      nextCursor is not null, pass it to --cursor to fetch the next page.

      EXAMPLE
        channelcast subscribers '@TOA#_news' --limit 1000
      """)

  @Argument(help: "The channel whose subscribers to list.")
  var officialAccountID: String

  @OptionGroup var page: PageOptions
  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.getSubscribers) { request in
      request.add("officialAccountID", officialAccountID)
      page.add(to: &request)
    }
  }
}
