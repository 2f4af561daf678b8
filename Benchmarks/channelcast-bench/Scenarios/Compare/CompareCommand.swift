import ArgumentParser
import Foundation

/// channelcastd side by side with what it is built on and what it replaces, in one invocation
/// and on one message shape, so the ratios are not skewed by a different machine state or day.
struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Raw ZeroMQ ceiling, Redis Lua fan-out and channelcastd megacast, side by side.",
    discussion: """
      Every system carries the same messages: topic u<n> and NUL, and the ~200-byte envelope \
      channelcastd sends for a --payload-bytes payload. (a) The raw ceiling: one thread sends \
      pre-built messages through the project's ZeroMQ module to one SUB, once with an \
      unbounded PUB and once with XPUB + ZMQ_XPUB_NODROP and high-water marks of 10,000; the \
      faster median is the ceiling. (b) Redis, if redis-server is on PATH: a SET of the same \
      users, one EVAL doing SMEMBERS + PUBLISH per member to a PSUBSCRIBE * consumer. \
      (c) channelcastd megacast. (d) channelcastd megacast with --gateways gateway sessions \
      (default 8): each broadcast reaches every gateway once per batch of its users, the \
      batched row, with its ratios to (a) and (b). Every consumer counts and checks every \
      delivery or recipient.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Subscribers, and so deliveries per run (up to 10,000,000).")
  var subscribers = 1_000_000

  /// 36 payload bytes make channelcastd's `message` envelope 200 bytes, the shape of the
  /// reference figures in the issue (megacast alone defaults to 100, a 264-byte envelope).
  @Option(help: "Bytes of the message payload (a JSON string); 36 make a 200-byte envelope.")
  var payloadBytes = 36

  @Option(help: "Transport of the raw ceiling and of the started daemon: ipc or tcp.")
  var transport = Transport.ipc

  @Option(
    help: "Gateway sessions of the batched row (0 leaves it out; ipc only, like the daemon).")
  var gateways = 8

  func validate() throws {
    guard (1...10_000_000).contains(subscribers) else {
      throw ValidationError("--subscribers must be between 1 and 10,000,000")
    }
  }

  func run() throws {
    let messages = ComparisonMessages(count: subscribers, payloadBytes: payloadBytes)
    var figures: [Figure] = []
    var notes: [String] = []

    progress("raw ZeroMQ ceiling (\(transport.rawValue)://)")
    let raw = RawCeiling(
      messages: messages, transport: transport, runs: daemonOptions.runs,
      timeoutSeconds: daemonOptions.timeoutSeconds)
    let rawFigures = try RawCeiling.Configuration.allCases.map { configuration in
      Figure(
        name: configuration.label, unit: "deliveries/s", values: try raw.measure(configuration))
    }
    figures += rawFigures
    let ceiling = rawFigures.max { $0.median < $1.median }!
    figures.append(
      Figure(
        name: "raw ceiling (the faster: \(ceiling.name.dropFirst("raw ZeroMQ: ".count)))",
        unit: "deliveries/s", values: ceiling.values))

    var redisRate: Double?
    if let executable = RedisServer.executable() {
      progress("Redis Lua fan-out")
      let redis = try RedisFanOut(
        executable: executable, messages: messages, runs: daemonOptions.runs,
        timeoutSeconds: daemonOptions.timeoutSeconds
      ).measure()
      figures += redis.figures
      notes += redis.notes
      redisRate = redis.figures.first?.median
    } else {
      print("redis-server not installed: skipped")
      notes.append("redis-server not installed: skipped")
    }

    progress("channelcastd megacast")
    let outcome = try measureMegacast()
    let megacast = outcome.report
    // The ratios below compare complete fan-outs; megacast reports, rather than fails on,
    // deliveries that are missing or came twice.
    guard outcome.incompleteRuns.isEmpty else {
      throw BenchmarkError(
        "channelcastd megacast did not deliver exactly once to every user:\n"
          + outcome.incompleteRuns.joined(separator: "\n"))
    }
    let rateName = MegacastRun.rateFigure
    guard let channelcast = megacast.figures.first(where: { $0.name == rateName }) else {
      throw BenchmarkError("megacast reported no \"\(rateName)\"")
    }
    figures.append(
      Figure(
        name: "channelcastd megacast: \(rateName)", unit: channelcast.unit,
        values: channelcast.values))
    for figure in megacast.figures where figure.name != rateName {
      figures.append(
        Figure(name: "channelcastd: \(figure.name)", unit: figure.unit, values: figure.values))
    }
    notes += megacast.notes.map { "channelcastd: \($0)" }

    figures.append(
      Figure(
        name: "channelcast / raw ceiling (ratio of medians)", unit: "×",
        values: [channelcast.median / ceiling.median]))
    if let redisRate {
      figures.append(
        Figure(
          name: "channelcast / Redis (ratio of medians)", unit: "×",
          values: [channelcast.median / redisRate]))
    }
    if gateways > 0 && transport == .ipc && daemonOptions.endpoint == nil {
      progress("channelcastd megacast --gateways \(gateways)")
      let batched = try Megacast(
        options: daemonOptions, subscribers: subscribers, payloadBytes: payloadBytes,
        gateways: gateways
      ).measure()
      guard batched.incompleteRuns.isEmpty else {
        throw BenchmarkError(
          "channelcastd megacast --gateways did not reach every user exactly once:\n"
            + batched.incompleteRuns.joined(separator: "\n"))
      }
      let batchedName = MegacastRun.batchedRateFigure
      guard let rate = batched.report.figures.first(where: { $0.name == batchedName }) else {
        throw BenchmarkError("megacast --gateways reported no \"\(batchedName)\"")
      }
      for figure in batched.report.figures {
        figures.append(
          Figure(
            name: "channelcastd batched, \(gateways) gateways: \(figure.name)", unit: figure.unit,
            values: figure.values))
      }
      figures.append(
        Figure(
          name: "batched / raw ceiling (ratio of medians)", unit: "×",
          values: [rate.median / ceiling.median]))
      if let redisRate {
        figures.append(
          Figure(
            name: "batched / Redis (ratio of medians)", unit: "×",
            values: [rate.median / redisRate]))
      }
      notes += batched.report.notes.map { "channelcastd batched: \($0)" }
    } else if gateways > 0 {
      notes.append("the batched row needs a daemon started here on ipc://: left out")
    }
    notes.append(
      "each consumer (ZeroMQ SUB or Redis PSUBSCRIBE) runs on its own thread and marks every "
        + "user in a bitset: none missing, none twice, in every run")

    try Report(
      scenario: "compare", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging([
        "subscribers": String(subscribers), "payloadBytes": String(payloadBytes),
        "envelopeBytes": String(messages.envelope.count), "transport": transport.rawValue,
        "gateways": String(gateways),
      ]) { $1 },
      figures: figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }

  /// Megacast as the `megacast` scenario runs it; with `--transport tcp` on a daemon started
  /// here on tcp:// endpoints, which megacast then measures as a running one.
  private func measureMegacast() throws -> Megacast.Outcome {
    guard transport == .tcp, daemonOptions.endpoint == nil else {
      return try Megacast(
        options: daemonOptions, subscribers: subscribers, payloadBytes: payloadBytes
      ).measure()
    }
    let (command, delivery) = try transport.daemonEndpoints()!
    let daemon = try daemonOptions.startDaemon(
      extraArguments: ["--max-subscriber-count", String(subscribers)],
      endpoints: (command, delivery))
    defer { daemon.stop() }
    var options = daemonOptions
    options.endpoint = command
    options.deliveryEndpoint = delivery
    return try Megacast(options: options, subscribers: subscribers, payloadBytes: payloadBytes)
      .measure()
  }

  private func progress(_ text: String) {
    FileHandle.standardError.write(Data("compare: \(text)…\n".utf8))
  }
}
