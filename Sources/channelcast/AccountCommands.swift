import ArgumentParser
import ChannelCastProtocol

/// `channelcast create`: createOfficialAccount.
struct CreateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Create an official channel (createOfficialAccount).",
    discussion: """
      Prints the new channel's info. Without --id the daemon generates an ID: @TOA#_ followed \
      by random characters. An ID that is taken is an already_exists error.

      EXAMPLE
        channelcast create --id '@TOA#_news' --owner editor --name 'Daily News' \\
          --introduction 'Headlines every morning'
      """)

  @Option(help: "The channel's ID: @TOA#_ and up to 42 more bytes (default: generated).")
  var id: String?

  @Option(help: "The user who owns the channel and receives its subscribers' messages.")
  var owner: String

  @Option(help: "The channel's display name (1 to 150 bytes).")
  var name: String

  @OptionGroup var fields: AccountFieldOptions
  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.createOfficialAccount) { request in
      if let id { request.add("officialAccountID", id) }
      request.add("ownerUserID", owner)
      request.add("officialAccountName", name)
      fields.add(to: &request)
    }
  }
}

/// `channelcast list`: listOfficialAccounts.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List every channel, ordered by ID (listOfficialAccounts).",
    discussion: """
      Prints {"officialAccounts": [...], "nextCursor": ...}. While nextCursor is not null, \
      pass it to --cursor to fetch the next page.

      EXAMPLE
        channelcast list --limit 10
        channelcast list --limit 10 --cursor '@TOA#_news'
      """)

  @OptionGroup var page: PageOptions
  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.listOfficialAccounts) { request in
      page.add(to: &request)
    }
  }
}

/// `channelcast info`: getOfficialAccountsInfo.
struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Show channels' info, or the channels a user subscribes to "
      + "(getOfficialAccountsInfo).",
    discussion: """
      With IDs, prints one result per ID in the order given (at most 100); an unknown ID has \
      the resultCode not_found. With --user, a channel that user subscribes to carries its \
      subscribeTime.

      Without IDs, --user is required and the result lists every channel the user subscribes \
      to, a page at a time (--cursor, --limit).

      EXAMPLES
        channelcast info '@TOA#_news' '@TOA#_sport'
        channelcast info --user alice --limit 50
      """)

  @Argument(help: ArgumentHelp("The channels to show.", valueName: "official-account-id"))
  var officialAccountIDs: [String] = []

  @Option(help: "The user whose view of the channels to show.")
  var user: String?

  @OptionGroup var page: PageOptions
  @OptionGroup var connection: ConnectionOptions

  func validate() throws {
    if officialAccountIDs.isEmpty {
      guard user != nil else {
        throw ValidationError("give channel IDs, or --user to list a user's subscriptions")
      }
    } else if page.isGiven {
      throw ValidationError("--cursor and --limit page a user's subscriptions; give no IDs")
    }
  }

  func run() throws {
    try RequestRunner(connection: connection).run(.getOfficialAccountsInfo) { request in
      var list = JSONArrayWriter()
      for id in officialAccountIDs { list.append(id) }
      request.add("officialAccountIDList", array: list)
      if let user { request.add("userID", user) }
      page.add(to: &request)
    }
  }
}

/// `channelcast set-info`: setOfficialAccountInfo.
struct SetInfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "set-info",
    abstract: "Change a channel's info (setOfficialAccountInfo).",
    discussion: """
      Prints the new info. Every subscriber receives officialAccountInfoChanged. Give at \
      least one field; a request that changes nothing is an invalid_argument error.

      EXAMPLE
        channelcast set-info '@TOA#_news' --name 'Evening News' --max-subscribers 500000
      """)

  @Argument(help: "The channel to change.")
  var officialAccountID: String

  @Option(help: "The channel's new display name (1 to 150 bytes).")
  var name: String?

  @OptionGroup var fields: AccountFieldOptions
  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.setOfficialAccountInfo) { request in
      request.add("officialAccountID", officialAccountID)
      if let name { request.add("officialAccountName", name) }
      fields.add(to: &request)
    }
  }
}

/// `channelcast delete`: deleteOfficialAccount.
struct DeleteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete",
    abstract: "Delete a channel with its subscriptions and history (deleteOfficialAccount).",
    discussion: """
      Prints {}. Every subscriber receives officialAccountDeleted. A channel created later \
      under the same ID continues its seq.

      EXAMPLE
        channelcast delete '@TOA#_news'
      """)

  @Argument(help: "The channel to delete.")
  var officialAccountID: String

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.deleteOfficialAccount) { request in
      request.add("officialAccountID", officialAccountID)
    }
  }
}
