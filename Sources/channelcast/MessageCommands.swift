import ArgumentParser
import ChannelCastProtocol

/// `channelcast send`: sendMessage.
struct SendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "send",
    abstract: "Broadcast a message to a channel's subscribers (sendMessage).",
    discussion: """
      Prints {"msgKey", "seq", "sendTimeMs", "recipientCount"}. Every subscriber whose \
      msgFlag is not discard receives a message delivery.

      The payload is any JSON value (at most 12288 bytes unless the daemon says otherwise), \
      checked here before it is sent and delivered byte for byte. A string must be quoted as \
      JSON, so quote it twice on a shell command line: '"hello"'. To send plain text without \
      quoting, use --text. To read the JSON from stdin, give - as the payload; from a file, \
      use --payload-file.

      Retrying with the same --client-msg-id within 10 minutes returns the first reply and \
      broadcasts nothing, so a send that timed out can be retried safely.

      EXAMPLES
        channelcast send '@TOA#_news' '{"title": "Hello", "body": "First issue"}'
        channelcast send '@TOA#_news' '"hello"'
        channelcast send '@TOA#_news' --text 'hello' --client-msg-id issue-1
        echo '{"n": 1}' | channelcast send '@TOA#_news' -
      """)

  @Argument(help: "The channel to broadcast on.")
  var officialAccountID: String

  @OptionGroup var payload: PayloadOptions

  @Option(help: "An ID of your own (at most 64 bytes) that makes retries safe.")
  var clientMsgID: String?

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    let payload = try payload.load()
    try RequestRunner(connection: connection).run(.sendMessage) { request in
      request.add("officialAccountID", officialAccountID)
      payload.add(to: &request)
      if let clientMsgID { request.add("clientMsgID", clientMsgID) }
    }
  }
}

/// `channelcast send-to-account`: sendMessageToOfficialAccount.
struct SendToAccountCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "send-to-account",
    abstract: "Send a subscriber's message to a channel's owner (sendMessageToOfficialAccount).",
    discussion: """
      Prints {"msgKey", "sendTimeMs"}. The channel's owner receives a subscriberMessage \
      delivery if a consumer is connected at that moment; the message is not stored. A user \
      who does not subscribe is a permission_denied error. The payload follows the rules of \
      send: JSON text ('"hello"' for a string), - for stdin, --text or --payload-file.

      EXAMPLE
        channelcast send-to-account '@TOA#_news' alice '{"question": "When is the next issue?"}'
      """)

  @Argument(help: "The channel written to.")
  var officialAccountID: String

  @Argument(help: "The subscriber who writes.")
  var userID: String

  @OptionGroup var payload: PayloadOptions
  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    let payload = try payload.load()
    try RequestRunner(connection: connection).run(.sendMessageToOfficialAccount) { request in
      request.add("officialAccountID", officialAccountID)
      request.add("userID", userID)
      payload.add(to: &request)
    }
  }
}

/// `channelcast recall`: recallMessages.
struct RecallCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recall",
    abstract: "Recall messages of a channel (recallMessages).",
    discussion: """
      Prints one resultCode per msgKey (at most 10). Subscribers whose msgFlag is not \
      discard receive messageRecalled, and the message's history entry loses its payload. \
      Recalling a message again is ok and changes nothing.

      EXAMPLE
        channelcast recall '@TOA#_news' 01HZX3K8Q2 01HZX3K8Q3 --reason 'Wrong date'
      """)

  @Argument(help: "The channel the messages were sent on.")
  var officialAccountID: String

  @Argument(help: ArgumentHelp("The msgKeys sendMessage returned.", valueName: "msg-key"))
  var msgKeys: [String]

  @Option(help: "Why the messages are recalled (at most 100 bytes).")
  var reason: String?

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.recallMessages) { request in
      request.add("officialAccountID", officialAccountID)
      var keys = JSONArrayWriter()
      for key in msgKeys { keys.append(key) }
      request.add("msgKeys", array: keys)
      if let reason { request.add("reason", reason) }
    }
  }
}

/// `channelcast history`: getHistory.
struct HistoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "Show a channel's retained stream, oldest first (getHistory).",
    discussion: """
      Prints {"messages": [...], "oldestSeq", "lastSeq"}: the entries with a seq greater \
      than --after-seq, each shaped like its delivery envelope. A consumer that saw a seq \
      gap catches up with this; when oldestSeq is above the first missing seq, the gap is \
      older than what the daemon retains. With --user, only a subscriber may read it.

      EXAMPLE
        channelcast history '@TOA#_news' --after-seq 41 --limit 20
      """)

  @Argument(help: "The channel whose stream to show.")
  var officialAccountID: String

  @Option(help: "Show only entries after this seq (default: 0, from the oldest retained).")
  var afterSeq: Int?

  @Option(help: "The most entries to return (at most 100, the default).")
  var limit: Int?

  @Option(help: "Read as this user, who must subscribe to the channel.")
  var user: String?

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.getHistory) { request in
      request.add("officialAccountID", officialAccountID)
      if let afterSeq { request.add("afterSeq", afterSeq) }
      if let limit { request.add("limit", limit) }
      if let user { request.add("userID", user) }
    }
  }
}
