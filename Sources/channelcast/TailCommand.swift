import ArgumentParser
import ChannelCastClient
import ChannelCastProtocol
import ZeroMQ

/// `channelcast tail`: prints deliveries from the delivery socket as JSON lines.
struct TailCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tail",
    abstract: "Print deliveries as they arrive, one JSON line each.",
    discussion: """
      Connects to the delivery socket as a gateway would and prints every delivery as \
      {"userID": ..., "envelope": {...}}, where the envelope is the daemon's JSON exactly as \
      it arrived. Each line is flushed at once, so the output can be piped. Runs until \
      interrupted (Ctrl-C) or until --count deliveries have been printed.

      Without --user it receives every user's deliveries. With --user it subscribes to each \
      user's topic, any number of them (its SUB socket's ZMQ_SNDHWM is 0, so that libzmq \
      drops none of the subscriptions at connect). ZeroMQ subscriptions take a moment to \
      reach the daemon: deliveries made in the first milliseconds after tail starts may not \
      be seen.

      A daemon that requires CURVE needs --server-key and --key-file here too; if it refuses \
      the key, or the handshake fails, tail says so and exits with status 2 instead of \
      waiting.

      EXAMPLES
        channelcast tail --user alice --user bob
        channelcast tail --count 1 | jq .envelope.payload
        channelcast tail --delivery-endpoint tcp://node1:7702,tcp://node2:7702 \\
          --delivery-endpoint tcp://node3:7702
      """)

  @Option(
    name: .customLong("user"),
    help: ArgumentHelp(
      "Receive this user's deliveries (repeatable; default: everyone's).",
      valueName: "user-id"))
  var users: [String] = []

  @Option(
    name: .customLong("delivery-endpoint"),
    help: ArgumentHelp(
      "The daemon's delivery socket, a ZeroMQ endpoint (default tcp://127.0.0.1:7702). "
        + "Repeatable or comma-separated: a cluster's nodes, each of which delivers to the "
        + "users of its partitions.",
      valueName: "endpoint"))
  var deliveryEndpoints: [String] = []

  /// Every endpoint given, comma-separated, as the consumer takes them.
  var deliveryEndpoint: String {
    deliveryEndpoints.isEmpty ? "tcp://127.0.0.1:7702" : deliveryEndpoints.joined(separator: ",")
  }

  @Option(help: "Stop after printing this many deliveries.")
  var count: Int?

  @OptionGroup var curve: CurveOptions

  func validate() throws {
    if let count, count < 1 { throw ValidationError("--count must be at least 1") }
  }

  func run() throws {
    let context = try ZMQContext()
    let consumer = try DeliveryConsumer(
      endpoint: deliveryEndpoint, context: context, users: users.isEmpty ? nil : users,
      curve: try curve.credentials())
    var printed = 0
    while count.map({ printed < $0 }) ?? true {
      guard let delivery = try receive(from: consumer) else { continue }
      // The line promises valid JSON; an envelope that is not (never one from channelcastd)
      // is reported instead of being spliced in.
      guard (try? JSONParser.parseValue(delivery.envelope)) != nil else {
        StandardStreams.printError("skipped a delivery whose envelope is not valid JSON")
        continue
      }
      var line = JSONObjectWriter(reservingCapacity: delivery.envelope.count + 64)
      line.add("userID", String(decoding: delivery.userID, as: UTF8.self))
      line.add("envelope", rawJSON: delivery.envelope)
      StandardStreams.printLine(line.finished())
      printed += 1
    }
  }

  /// The next delivery; a failed CURVE handshake ends the command as a request without a reply
  /// does.
  private func receive(from consumer: DeliveryConsumer) throws -> DeliveryConsumer.Delivery? {
    do {
      return try consumer.receive(timeoutMilliseconds: -1)
    } catch let error as ClientError {
      StandardStreams.printError("\(error) (from \(deliveryEndpoint))")
      throw RequestRunner.noReplyStatus
    }
  }
}
