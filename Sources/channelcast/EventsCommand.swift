import ArgumentParser
import ChannelCastClient
import ChannelCastProtocol
import ZeroMQ

/// `channelcast events`: prints the daemon's event feed as JSON lines.
struct EventsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "events",
    abstract: "Print the daemon's event feed as it arrives, one JSON line per event.",
    discussion: """
      Connects to the event feed (the daemon's eventsEndpoint setting; it is off unless set) \
      and prints every event as the daemon's JSON object, exactly as it arrived: \
      {"v":1,"logSeq":n,"type":"...","timeMs":t,...}. Each line is flushed at once, so the \
      output can be piped. Runs until interrupted (Ctrl-C) or until --count events have \
      been printed.

      Without --type it receives every type; with --type only those named (repeatable): \
      \(FeedEventType.allCases.map(\.name).joined(separator: ", ")). Events published before \
      the subscription reaches the daemon (the first milliseconds) are not seen; a jump in \
      logSeq means events were missed (docs/protocol.md, Event feed).

      A daemon that requires CURVE admits only admin keys to the feed: give --server-key and \
      --key-file; if it refuses the key, events says so and exits with status 2.

      EXAMPLES
        channelcast events --events-endpoint tcp://127.0.0.1:7704
        channelcast events --events-endpoint tcp://127.0.0.1:7704 --type subscribed --type unsubscribed
      """)

  @Option(help: "The daemon's event feed (its eventsEndpoint, a ZeroMQ endpoint).")
  var eventsEndpoint: String

  @Option(
    name: .customLong("type"),
    help: ArgumentHelp(
      "Receive only this type of event (repeatable; default: every type).",
      valueName: "type"))
  var typeNames: [String] = []

  @Option(help: "Stop after printing this many events.")
  var count: Int?

  @OptionGroup var curve: CurveOptions

  func validate() throws {
    if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    for name in typeNames where FeedEventType(name: name) == nil {
      throw ValidationError(
        "--type \(name) is not an event type; the types are "
          + FeedEventType.allCases.map(\.name).joined(separator: ", "))
    }
  }

  func run() throws {
    let context = try ZMQContext()
    let subscriber = try EventFeedSubscriber(
      endpoint: eventsEndpoint, context: context,
      types: typeNames.compactMap { FeedEventType(name: $0) }, curve: try curve.credentials())
    var printed = 0
    while count.map({ printed < $0 }) ?? true {
      guard let event = try receive(from: subscriber) else { continue }
      // The line promises valid JSON; an event that is not (never one from channelcastd) is
      // reported instead of being printed.
      guard (try? JSONParser.parseValue(event.json)) != nil else {
        StandardStreams.printError("skipped an event that is not valid JSON")
        continue
      }
      StandardStreams.printLine(event.json)
      printed += 1
    }
  }

  /// The next event; a failed CURVE handshake ends the command as a request without a reply
  /// does.
  private func receive(from subscriber: EventFeedSubscriber) throws -> EventFeedSubscriber.Event? {
    do {
      return try subscriber.receive(timeoutMilliseconds: -1)
    } catch let error as ClientError {
      StandardStreams.printError("\(error) (from \(eventsEndpoint))")
      throw RequestRunner.noReplyStatus
    }
  }
}
