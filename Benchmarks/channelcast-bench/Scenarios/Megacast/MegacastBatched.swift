import ChannelCastClient
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// megacast with `--gateways N`: the subscribers are attached at N gateway sessions, and each
/// broadcast reaches every gateway as batches of its users.
extension Megacast {
  func measureBatched() throws -> Outcome {
    let daemon = try options.startDaemon(
      extraArguments: ["--max-subscriber-count", String(max(subscribers, 1))], curve: curve)
    defer { daemon.stop() }
    guard let gatewayEndpoint = daemon.gatewayEndpoint else {
      throw BenchmarkError("--gateways needs a daemon with a gateway socket (this build has none)")
    }
    let context = try ZMQContext()
    let population = try Population(
      commandEndpoint: daemon.commandEndpoint, context: context, curve: daemon.curve)
    let (channel, setupSeconds) = try fillChannel(through: population)

    var recorder = RunRecorder()
    // Attach throughput: one gateway attaches every user, 10,000 per request, then says bye.
    let users = (0..<subscribers).map(RecipientSet.userID)
    let attachSeconds = try Self.attachFromOneGateway(
      users, endpoint: gatewayEndpoint, context: context, curve: daemon.curve)
    let recipients = RecipientSet(size: subscribers)
    let group = try GatewayGroup(
      gateways: gateways, users: subscribers, endpoint: gatewayEndpoint, context: context,
      curve: daemon.curve
    ) { frame, _, _, _ in recipients.mark(recipients: frame) }
    defer { group.stop() }

    var incompleteRuns: [String] = []
    var batchesPerRun: [Int] = []
    for number in 1...options.runs {
      group.reset()
      recipients.reset()
      let droppedBefore = try DaemonStats(population: population).deliveriesDropped
      let (requested, replied) = try broadcast(to: channel, through: population)
      _ = try group.waitUntilCounted(
        subscribers, deadline: Deadline("megacast run", seconds: options.timeoutSeconds))
      let lastRecipient = group.lastArrivalNanoseconds
      try group.waitForQuiet(deadline: Deadline("quiet after the run", seconds: 30))
      batchesPerRun.append(group.batchCount)
      var run = MegacastRun(
        subscribers: subscribers, requested: requested, replied: replied,
        lastDelivery: lastRecipient, missing: recipients.missing,
        duplicated: recipients.duplicateCount, strangers: recipients.strangerCount,
        dropped: try DaemonStats(population: population).deliveriesDropped - droppedBefore)
      run.batched = true
      run.record(into: &recorder)
      if let note = run.note(number: number, waitedSeconds: options.timeoutSeconds) {
        incompleteRuns.append(note)
      }
    }
    recorder.record(
      "attach: users/s from one gateway (10,000 per request, one at a time)",
      Double(subscribers) / attachSeconds, unit: "users/s")
    var notes = [
      "setup: \(subscribers) subscribes in \(String(format: "%.1f", setupSeconds)) s",
      "\(gateways) gateway sessions (DEALER, each on its own thread), user i attached at "
        + "gateway i % \(gateways); each counts every recipient of every batch; batches per "
        + "run: \(batchesPerRun.map(String.init).joined(separator: ", "))",
    ]
    notes += incompleteRuns
    if incompleteRuns.isEmpty {
      notes.append("every recipient received exactly once in every run")
    }
    let report = Report(
      scenario: "megacast", runs: options.runs,
      settings: options.settings.merging([
        "subscribers": String(subscribers), "payloadBytes": String(payloadBytes),
        "gateways": String(gateways), "curve": String(curve),
      ]) { $1 },
      figures: recorder.figures, notes: notes)
    return Outcome(report: report, incompleteRuns: incompleteRuns)
  }

  /// Seconds one gateway session takes to attach `users`, 10,000 per request, each request
  /// waiting for its reply; `whileAttached` runs next, then the session says bye.
  static func attachFromOneGateway(
    _ users: [String], endpoint: String, context: ZMQContext, curve: CurveClientCredentials?,
    whileAttached: () throws -> Void = {}
  ) throws -> Double {
    let socket = try Socket(context: context, type: .dealer)
    defer { socket.close() }
    try socket.setOption(.linger, 0)
    try socket.setOption(.receiveTimeout, 100)
    try curve?.setKeys(of: socket)
    try socket.connect(endpoint)
    var buffer = MultipartBuffer()
    try GatewayCounter.call(
      #"{"op":"hello","id":0,"gatewayID":"bench-attach","protocolVersion":1}"#, on: socket,
      buffer: &buffer)
    let start = MonotonicClock.nanoseconds()
    try GatewayCounter.attach(users, on: socket, buffer: &buffer)
    let seconds = MonotonicClock.seconds(since: start)
    try whileAttached()
    try GatewayCounter.call(#"{"op":"bye","id":"bye"}"#, on: socket, buffer: &buffer)
    return seconds
  }
}
