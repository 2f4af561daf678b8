import ArgumentParser
import ChannelCastClient
import ChannelCastProtocol
import ZeroMQ

/// `channelcast gateway`: a gateway session that prints each batch as a JSON line.
struct GatewayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gateway",
    abstract: "Act as a gateway: attach users and print each batch, one JSON line each.",
    discussion: """
      Connects to the gateway socket, says hello as --id, attaches the --attach users (10,000 \
      per request) and prints every batch as {"gatewayID": ..., "users": [...], "envelope": \
      {...}}, where the envelope is the daemon's JSON exactly as it arrived. A broadcast comes \
      as one batch or more: at most batchMaxUsers users each, the users notified apart from \
      those who are not, none whose msgFlag is discard. Each line is flushed at once, so the \
      output can be piped. Runs until interrupted (Ctrl-C) or until --count batches have been \
      printed.

      The daemon drops a gateway's attachments when its connection ends. When libzmq \
      reconnects (the daemon restarted), this command says hello and attaches its users \
      again; batches sent while the connection was down are not seen.

      A daemon that requires CURVE needs --server-key and --key-file here too, with a key \
      whose role is gateway or admin.

      EXAMPLES
        channelcast gateway --id gw-1 --attach alice,bob
        channelcast gateway --id gw-1 --attach alice --count 1 | jq .envelope.payload
      """)

  @Option(help: "This gateway's gatewayID (1 to 64 bytes).")
  var id: String

  @Option(
    help: ArgumentHelp(
      "Users to attach, comma-separated (repeatable).", valueName: "user-id,..."))
  var attach: [String] = []

  @Option(
    name: .customLong("gateway-endpoint"),
    help: ArgumentHelp(
      "The daemon's gateway socket, a ZeroMQ endpoint (default tcp://127.0.0.1:7703). "
        + "Repeatable or comma-separated: a cluster's nodes, with one session at each, the "
        + "same users attached at each (each node sends the batches of its users).",
      valueName: "endpoint"))
  var gatewayEndpoints: [String] = []

  /// Every endpoint given, one session each.
  var endpoints: [String] {
    let given = gatewayEndpoints.flatMap { $0.split(separator: ",").map(String.init) }
      .filter { !$0.isEmpty }
    return given.isEmpty ? ["tcp://127.0.0.1:7703"] : given
  }

  @Option(help: "Stop after printing this many batches.")
  var count: Int?

  @Option(help: "Milliseconds to wait for each reply to hello and attach.")
  var timeout = 10_000

  @OptionGroup var curve: CurveOptions

  var users: [String] {
    attach.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
  }

  func validate() throws {
    if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    if id.utf8.isEmpty || id.utf8.count > GatewayProtocol.gatewayIDBytes {
      throw ValidationError("--id must be 1 to \(GatewayProtocol.gatewayIDBytes) bytes")
    }
  }

  func run() throws {
    let context = try ZMQContext()
    var sessions: [GatewaySession] = []
    for endpoint in endpoints {
      do {
        let session = try GatewaySession(
          endpoint: endpoint, context: context, gatewayID: id, timeoutMilliseconds: timeout,
          curve: try curve.credentials())
        if !users.isEmpty { try session.attach(users) }
        sessions.append(session)
      } catch let error as ClientError {
        StandardStreams.printError("\(error) (from \(endpoint))")
        throw RequestRunner.noReplyStatus
      } catch GatewaySessionError.refused(let reply) {
        StandardStreams.printError(
          "\(reply.errorCodeName ?? "error"): \(reply.errorMessage ?? "") (from \(endpoint))")
        throw ExitCode(1)
      }
    }
    var printed = 0
    while count.map({ printed < $0 }) ?? true {
      // One session waits for the batch, several take turns.
      let wait = sessions.count == 1 ? -1 : 20
      for session in sessions where count.map({ printed < $0 }) ?? true {
        guard let batch = try session.nextBatch(timeoutMilliseconds: wait) else { continue }
        guard (try? JSONParser.parseValue(batch.envelope)) != nil else {
          StandardStreams.printError("skipped a batch whose envelope is not valid JSON")
          continue
        }
        var users = JSONArrayWriter()
        for user in batch.userIDs { users.append(user.description) }
        var line = JSONObjectWriter(reservingCapacity: batch.envelope.count + 64)
        line.add("gatewayID", id)
        line.add("users", array: users)
        line.add("envelope", rawJSON: batch.envelope)
        StandardStreams.printLine(line.finished())
        printed += 1
      }
    }
  }
}
