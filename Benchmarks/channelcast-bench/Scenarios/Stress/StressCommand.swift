import ArgumentParser
import Foundation
import ZeroMQ

/// Minutes of mixed load with bad requests mixed in: does the daemon stay up, answer every
/// request as the protocol says, deliver everything, and keep its memory flat?
struct StressCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stress",
    abstract: "Minutes of mixed load with bad requests; every reply checked, memory sampled.",
    discussion: """
      Subscribes --users users to --channels stable channels (Zipf sizes, as in mixed), fills \
      every history to --history-size (the started daemon keeps that many entries per \
      channel), and connects a consumer that counts every delivery. Then, for --minutes, five \
      streams run at once, each on its own connection at a fixed rate: broadcasts \
      (sendMessage, with clientMsgID retries and reuses, recallMessages), subscription churn \
      (unsubscribe and subscribe again, setSubscriptionOptions, sendMessageToOfficialAccount), \
      reads (getHistory, getSubscribers, getOfficialAccountsInfo, listOfficialAccounts, stats, \
      ping with unusual ids), channel churn (--churned-channels IDs created, used and deleted \
      over and over) and bad requests picked with --seed (not JSON, cut short, invalid UTF-8, \
      control characters, deep nesting, oversized fields under 64 KiB, wrong types, numbers \
      out of range, unknown ops, several or empty frames).

      Every request must get exactly one reply, the one the protocol promises: each stream \
      predicts its replies (ok, or not_found and the like where another stream races it), \
      replies are matched by id, and a reply with id null to the oldest request whose id \
      cannot be read. The daemon's resident memory is sampled every --sample-seconds; the end \
      must be within 10% of the sample after the first minute (after a tenth of a shorter \
      run). Afterwards the daemon must answer ping as the same process, the consumer must have \
      received every message delivery the replies announced, and stats must count no drops. \
      The report is printed even when a check fails; the exit status is then non-zero. It \
      runs once: --runs does not apply.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Minutes of load (fractions allowed, e.g. 0.5).") var minutes = 10.0
  @Option(help: "Users.") var users = 100_000
  @Option(help: "Stable channels.") var channels = 1000
  @Option(help: "Subscriptions per user, on average.") var subscriptionsPerUser = 5
  @Option(help: "Subscribers of the largest channel, at most.") var largestChannel = 100_000
  @Option(help: "Channel IDs created and deleted over and over.") var churnedChannels = 20
  @Option(help: "Stream entries each channel keeps (the started daemon's historySize).")
  var historySize = 20
  @Option(help: "sendMessage and recallMessages requests per second.") var broadcastRate = 200.0
  @Option(help: "Subscription churn requests per second.") var subscriptionRate = 400.0
  @Option(help: "Read requests per second.") var readRate = 200.0
  @Option(help: "Channel churn requests per second.") var channelChurnRate = 20.0
  @Option(help: "Bad requests per second.") var badRate = 300.0
  @Option(help: "Percentage of sendMessage requests to stable channels with a clientMsgID.")
  var clientMsgIDPercent = 25
  @Option(help: "Unanswered requests each stream allows before it waits.") var window = 1000
  @Option(help: "Seconds between memory samples.") var sampleSeconds = 10.0
  @Option(help: "Seed of every random choice (the same seed sends the same requests).")
  var seed: UInt64 = 1

  /// Resident memory at the end may exceed the reference sample by this much.
  static let memoryGrowthLimit = 0.10

  private var durationSeconds: Double { minutes * 60 }
  /// When the reference sample is taken: after the first minute, or a tenth of a shorter run.
  private var referenceSeconds: Double { min(60, durationSeconds / 10) }

  func validate() throws {
    guard minutes > 0, users >= 1, channels >= 1, subscriptionsPerUser >= 1,
      largestChannel >= 1, churnedChannels >= 1, historySize >= 1, window >= 1,
      sampleSeconds > 0
    else {
      throw ValidationError(
        "--minutes, --users, --channels, --subscriptions-per-user, --largest-channel, "
          + "--churned-channels, --history-size, --window and --sample-seconds must be positive")
    }
    let rates = [broadcastRate, subscriptionRate, readRate, channelChurnRate, badRate]
    guard rates.allSatisfy({ $0 >= 0 }), rates.contains(where: { $0 > 0 }) else {
      throw ValidationError(
        "rates must not be negative, and one must be positive (0 stops a stream)")
    }
    guard (0...100).contains(clientMsgIDPercent) else {
      throw ValidationError("--client-msg-id-percent must be between 0 and 100")
    }
    guard users * subscriptionsPerUser <= channels * min(largestChannel, users) else {
      throw ValidationError(
        "the channels cannot hold \(users * subscriptionsPerUser) subscriptions")
    }
  }

  func run() throws {
    let sizes = ZipfPopularity.channelSizes(
      channels: channels, total: users * subscriptionsPerUser, exponent: 1,
      cap: min(largestChannel, users))
    let plan = SubscriptionPlan(
      users: users, channelSizes: sizes, seed: seed,
      channelPrefix: "@TOA#_stress-\(UInt32.random(in: 0...UInt32.max))-")
    let stressPopulation = StressPopulation(plan: plan, churnedChannels: churnedChannels)
    let daemon = try daemonOptions.startDaemon(extraArguments: [
      "--history-size", String(historySize),
    ])
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let setupStart = MonotonicClock.nanoseconds()
    let setup = Deadline("stress setup", seconds: daemonOptions.timeoutSeconds * 4)
    try stressPopulation.setUp(in: population, historySize: historySize, deadline: setup)
    try DaemonStats.waitUntilIdle(population: population, deadline: setup)
    let setupSeconds = MonotonicClock.seconds(since: setupStart)

    let deliveries = StressDeliveryLog()
    let counter = try DeliveryCounter(endpoint: daemon.deliveryEndpoint, context: context) {
      _, envelope, _ in deliveries.record(envelope: envelope)
    }
    defer { counter.stop() }
    try ConsumerReadiness.waitUntilReceiving(
      counter, population: population, deadline: Deadline("consumer connection", seconds: 60))
    deliveries.reset()
    let before = try DaemonStats(population: population)
    let processID = daemon.processID

    let schedule = StressSchedule(seconds: durationSeconds)
    let workers = startWorkers(stressPopulation, daemon: daemon, context: context, schedule)
    var watch = try StressMemoryWatch(daemon: daemon, context: context)
    watch.watch(
      schedule,
      at: StressMemoryWatch.sampleTimes(
        duration: durationSeconds, interval: sampleSeconds, reference: referenceSeconds)
    ) {
      workers.reduce((0, 0)) { ($0.0 + $1.progress.sent, $0.1 + $1.progress.answered) }
    }
    let loadSeconds = min(schedule.elapsedSeconds, durationSeconds)
    var tally = StressTally()
    for worker in workers { tally.add(try worker.finish()) }

    let ending = try StressEnding(
      daemon: daemon, processID: processID, population: population, counter: counter,
      secondsSinceStart: MonotonicClock.seconds(since: setupStart),
      timeoutSeconds: daemonOptions.timeoutSeconds)
    let drained = watch.take(at: schedule.elapsedSeconds)
    let outcome = StressOutcome(
      tally: tally, deliveries: deliveries, samples: watch.samples, drained: drained,
      referenceSeconds: referenceSeconds, loadSeconds: loadSeconds, stoppedEarly: watch.failure,
      ending: ending, droppedBefore: before.deliveriesDropped,
      memoryIsWatched: daemonOptions.endpoint == nil)
    var notes = [
      "setup: \(plan.totalSubscriptions) subscriptions (\(users) users, \(channels) channels, "
        + "largest \(sizes.max() ?? 0)), \(channels * historySize) messages to fill the "
        + "histories, in \(String(format: "%.1f", setupSeconds)) s"
    ]
    if daemonOptions.endpoint != nil {
      notes.append(
        "--endpoint: the daemon's memory and process cannot be watched; only its replies, "
          + "deliveries, stats and uptime are checked")
    }
    try outcome.report(settings: settings, notes: notes).publish(jsonPath: daemonOptions.json)
    let failed = outcome.failedChecks
    guard failed.isEmpty else {
      throw BenchmarkError(
        "stress: \(failed.count) check(s) failed: " + failed.joined(separator: "; "))
    }
  }

  private func startWorkers(
    _ population: StressPopulation, daemon: DaemonUnderTest, context: ZMQContext,
    _ schedule: StressSchedule
  ) -> [StressWorker] {
    func worker(_ name: String, _ traffic: some StressTraffic, rate: Double) -> StressWorker? {
      guard rate > 0 else { return nil }
      return StressWorker(
        name: name, traffic: traffic, rate: rate, window: window,
        endpoint: daemon.commandEndpoint, context: context, schedule: schedule,
        drainSeconds: daemonOptions.timeoutSeconds)
    }
    return [
      worker(
        "broadcasts",
        StressBroadcasts(
          population: population, seed: seed &+ 10, clientMsgIDPercent: clientMsgIDPercent),
        rate: broadcastRate),
      worker(
        "subscriptions", StressSubscriptionChurn(population: population, seed: seed &+ 11),
        rate: subscriptionRate),
      worker("reads", StressReads(population: population, seed: seed &+ 12), rate: readRate),
      worker(
        "channels", StressChannelChurn(population: population, seed: seed &+ 13),
        rate: channelChurnRate),
      worker(
        "bad-requests", StressBadRequests(population: population, seed: seed &+ 14),
        rate: badRate),
    ].compactMap { $0 }
  }

  private var settings: [String: String] {
    daemonOptions.settings.merging([
      "minutes": String(minutes), "users": String(users), "channels": String(channels),
      "subscriptionsPerUser": String(subscriptionsPerUser),
      "largestChannel": String(largestChannel), "churnedChannels": String(churnedChannels),
      "historySize": String(historySize), "seed": String(seed),
      "clientMsgIDPercent": String(clientMsgIDPercent),
      "rates (broadcast, subscription, read, channel churn, bad) per s":
        [broadcastRate, subscriptionRate, readRate, channelChurnRate, badRate].map {
          String(format: "%g", $0)
        }.joined(separator: ", "),
    ]) { $1 }
  }
}
