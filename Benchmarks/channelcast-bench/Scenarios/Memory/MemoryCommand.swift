import ArgumentParser
import Foundation
import ZeroMQ

/// What a subscription costs in daemon memory: the figure that decides how many users one
/// machine can serve.
struct MemoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memory",
    abstract: "Daemon resident memory per subscription at each size.",
    discussion: """
      For each size, per run, a fresh daemon: its resident memory (VmRSS) when empty, after \
      creating --channels channels, and after subscribing subscriptions / \
      --subscriptions-per-user users to --subscriptions-per-user distinct channels each (every \
      channel equally full), once its fan-out queues are empty again and no snapshot is being \
      written. Bytes per subscription are the growth from the channels-created and from the \
      empty daemon.

      Then the daemon is stopped as an operator would (SIGTERM: it writes a snapshot and exits \
      0): the data directory's files over the subscriptions are the bytes on disk per \
      subscription. It is started again on the same data directory: the recovery time is from \
      launching the process to its first answered ping, next to the milliseconds the daemon \
      logs for loading, and `stats` must show the same subscriptions and users.

      With --attached, once loaded, one gateway session attaches every user (10,000 per \
      request, one request at a time): the resident memory that adds per user, what the \
      daemon's presence indexes count (channelcast_gateway_presence_bytes), and users \
      attached per second; then it says bye. `--channels 1 --subscriptions-per-user 1` makes \
      every subscriber a user of its own.

      With --page-first-channel, before the stop, the first channel is paged end to end with \
      getSubscribers (limit 1000, one request at a time): subscribers per second and the page \
      round trips (median, p99, max); then as many pings, timed the same way, as the same run's \
      floor for a round trip. `--channels 1 --subscriptions-per-user 1` makes that one channel \
      of every subscription.
      """)

  @OptionGroup var daemonOptions: DaemonOptions
  @OptionGroup var populationOptions: UniformPopulationOptions
  @Flag(help: "Also page the first channel end to end with getSubscribers once it is loaded.")
  var pageFirstChannel = false
  @Flag(
    help: """
      Also attach every user at one gateway session (10,000 per request) once loaded: bytes \
      per attached user, and users attached per second.
      """)
  var attached = false

  func validate() throws {
    guard daemonOptions.endpoint == nil else {
      throw ValidationError(
        "memory reads the resident memory of a fresh daemon it starts for each size; it "
          + "cannot measure one at --endpoint")
    }
  }

  func run() throws {
    var recorder = RunRecorder()
    var notes: [String] = []
    for size in populationOptions.subscriptions {
      for run in 0..<daemonOptions.runs {
        let restart = try measure(size: size, into: &recorder)
        if run == daemonOptions.runs - 1 { notes += restart.notes(size: size) }
      }
    }
    try Report(
      scenario: "memory", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging(populationOptions.settings) { $1 },
      figures: recorder.figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }

  /// Attaches every user at one gateway session: the resident memory it adds per user, what the
  /// daemon's presence indexes say they hold (`channelcast_gateway_presence_bytes`), and how fast
  /// one gateway attaches. The session then says bye.
  private func measureAttaching(
    users: Int, daemon: DaemonUnderTest, context: ZMQContext, label: String,
    into recorder: inout RunRecorder
  ) throws {
    guard let endpoint = daemon.gatewayEndpoint, let metricsPort = daemon.metricsPort else {
      throw BenchmarkError("--attached needs a daemon with a gateway socket started here")
    }
    let userIDs = (0..<users).map(RecipientSet.userID)
    let before = try daemon.residentBytes()
    var after = 0
    var presenceBytes = 0.0
    let seconds = try Megacast.attachFromOneGateway(
      userIDs, endpoint: endpoint, context: context, curve: daemon.curve
    ) {
      after = try daemon.residentBytes()
      presenceBytes = try MetricsScrape.sample(
        "channelcast_gateway_presence_bytes", port: metricsPort)
    }
    recorder.record(
      "\(label): attached users", Double(users), unit: "users")
    recorder.record(
      "\(label): bytes per attached user (RSS growth while attached)",
      Double(after - before) / Double(users), unit: "B")
    recorder.record(
      "\(label): bytes per attached user (the presence indexes' own count)",
      presenceBytes / Double(users), unit: "B")
    recorder.record(
      "\(label): attach, users/s from one gateway (10,000 per request)",
      Double(users) / seconds, unit: "users/s")
  }

  /// Measures one size on a fresh daemon, and what it leaves on disk and how it comes back.
  private func measure(size: Int, into recorder: inout RunRecorder) throws -> RestartMeasurement {
    let plan = populationOptions.population(subscriptions: size)
    let daemon = try daemonOptions.startDaemon()
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    try population.call(.ping)
    let empty = try daemon.residentBytes()
    let setup = Deadline("loading \(size) subscriptions", seconds: daemonOptions.timeoutSeconds * 4)
    try plan.createChannels(in: population, deadline: setup)
    let withChannels = try daemon.residentBytes()
    let loadSeconds = try plan.subscribeAll(
      in: population, daemon: daemon, label: "memory \(size)", deadline: setup)
    let loaded = try daemon.residentBytes()

    let label = "\(size) subscriptions"
    let mebibyte = Double(1 << 20)
    recorder.record("\(label): RSS empty daemon", Double(empty) / mebibyte, unit: "MiB")
    recorder.record("\(label): RSS with channels", Double(withChannels) / mebibyte, unit: "MiB")
    recorder.record("\(label): RSS loaded", Double(loaded) / mebibyte, unit: "MiB")
    recorder.record(
      "\(label): bytes per subscription (loaded − with channels)",
      Double(loaded - withChannels) / Double(size), unit: "B")
    recorder.record(
      "\(label): bytes per subscription (loaded − empty daemon)",
      Double(loaded - empty) / Double(size), unit: "B")
    recorder.record(
      "\(label): batch subscribes per second while loading", Double(size) / loadSeconds,
      unit: "1/s")
    if pageFirstChannel {
      let channel = plan.firstChannel
      try SubscriberPaging(
        channel: channel.id, expectedSubscribers: channel.subscribers, population: population
      ).record(label: label, into: &recorder)
    }
    if attached {
      try measureAttaching(
        users: plan.users, daemon: daemon, context: context, label: label, into: &recorder)
    }
    let restart = try RestartMeasurement(
      daemon: daemon, subscriptions: size, users: plan.users,
      timeoutSeconds: daemonOptions.timeoutSeconds)
    restart.record(label: label, into: &recorder)
    return restart
  }
}
