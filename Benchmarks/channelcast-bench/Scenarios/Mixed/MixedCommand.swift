import ArgumentParser
import Foundation
import ZeroMQ

/// Many channels of Zipf-distributed popularity and a steady stream of broadcasts: the latency
/// a user of a busy deployment sees, and whether the small channels suffer from the large ones.
struct MixedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mixed",
    abstract: "Broadcasts at a steady rate to Zipf-popular channels; latency per delivery.",
    discussion: """
      Subscribes --users users to --channels channels whose sizes follow Zipf's law (exponent \
      1.0, the largest capped at 100,000), --subscriptions-per-user on average, each channel's \
      subscribers distinct users picked with a fixed seed. Then, per run, sends --rate \
      broadcasts per second for --duration seconds to channels picked uniformly (an open loop \
      over one DEALER), while one consumer subscribed to everything records the latency of \
      every delivery from the send time in its payload (HdrHistogram), and per broadcast the \
      time from the sendMessage reply to its first and last delivery.

      MISSING DELIVERIES
        After the last reply, a run waits until the consumer has received as many deliveries \
      as the replies' recipientCount add up to, or --timeout-seconds (default 120), then \
      until nothing has arrived for 200 ms. Deliveries that never came do not fail the run: \
      it reports them as "missing (expected − received)", beside the growth of the daemon's \
      deliveriesDropped ("dropped") and the broadcasts that did not reach all their \
      recipients; a note names the run. Latencies and reply → first delivery cover what \
      arrived, reply → last delivery the broadcasts that arrived whole.

      SECURITY AND POLICY
        --curve starts the daemon with a server key pair the harness makes and a clients file \
      that admits one client key, as an admin; the command clients, the broadcaster and the \
      consumer connect with that key. It cannot be combined with --endpoint. \
      --slow-consumer-policy (default block) is passed to the started daemon: with drop, a \
      consumer that falls behind loses deliveries (counted as dropped) instead of slowing the \
      fan-out down.

      EXAMPLES
        channelcast-bench mixed --users 1000000 --channels 10000 --rate 1000
        channelcast-bench mixed --users 20000 --channels 100 --largest-channel 2000 \\
          --duration 2 --slow-consumer-policy drop --curve
      """)

  /// Channels of at most this many subscribers get their own latency figures.
  static let smallChannelLimit = 1000

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Users.") var users = 1_000_000
  @Option(help: "Channels.") var channels = 10_000
  @Option(help: "Subscriptions per user, on average.") var subscriptionsPerUser = 10
  @Option(help: "Subscribers of the largest channel, at most.") var largestChannel = 100_000
  @Option(help: "Broadcasts per second.") var rate = 1000.0
  @Option(help: "Seconds of broadcasting per run.") var duration = 10.0
  @Option(help: "The consumer's receive high-water mark (ZMQ_RCVHWM): deliveries it buffers.")
  var consumerHighWaterMark: Int32 = 10_000
  @Option(help: "The consumer's kernel receive buffer over tcp (ZMQ_RCVBUF; 0 = the OS default).")
  var consumerReceiveBufferBytes: Int32 = 0
  @Option(help: "Transport of the started daemon's sockets: ipc or tcp (loopback).")
  var transport = Transport.ipc
  @Flag(help: "Start the daemon with CURVE keys the harness makes; every socket uses CURVE.")
  var curve = false
  @Option(
    help: """
      Gateway sessions on the gateway socket instead of the consumer (0: the consumer; up to \
      256): user i is attached at gateway i % N; latencies are per recipient of each batch.
      """)
  var gateways = 0

  /// No channel can have more subscribers than there are users.
  private var channelCap: Int { min(largestChannel, users) }

  func validate() throws {
    guard users >= 1, channels >= 1, subscriptionsPerUser >= 1, largestChannel >= 1, rate > 0,
      duration > 0
    else {
      throw ValidationError(
        "--users, --channels, --subscriptions-per-user, --largest-channel, --rate and "
          + "--duration must be positive")
    }
    guard users * subscriptionsPerUser <= channels * channelCap else {
      throw ValidationError(
        "\(channels) channels of at most \(channelCap) cannot hold "
          + "\(users * subscriptionsPerUser) subscriptions")
    }
    guard (0...256).contains(gateways) else {
      throw ValidationError("--gateways must be between 0 and 256")
    }
    try daemonOptions.validate(curve: curve)
  }

  func run() throws {
    let sizes = ZipfPopularity.channelSizes(
      channels: channels, total: users * subscriptionsPerUser, exponent: 1, cap: channelCap)
    let plan = SubscriptionPlan(
      users: users, channelSizes: sizes, seed: 1,
      channelPrefix: "@TOA#_mixed-\(UInt32.random(in: 0...UInt32.max))-")
    let daemon = try daemonOptions.startDaemon(
      endpoints: try transport.daemonEndpoints(), curve: curve)
    defer { daemon.stop() }
    let context = try ZMQContext()
    let population = try Population(
      commandEndpoint: daemon.commandEndpoint, context: context, curve: daemon.curve)
    let before = try DaemonStats(population: population)
    let setupStart = MonotonicClock.nanoseconds()
    let setup = Deadline("mixed setup", seconds: daemonOptions.timeoutSeconds * 4)
    try plan.createChannels(in: population, deadline: setup)
    try plan.subscribeAll(in: population, label: "mixed setup", deadline: setup)
    let setupSeconds = MonotonicClock.seconds(since: setupStart)
    let loaded = try DaemonStats(population: population).subscriptions - before.subscriptions
    guard loaded == plan.totalSubscriptions else {
      throw BenchmarkError("loaded \(loaded) subscriptions, planned \(plan.totalSubscriptions)")
    }

    let log = MixedDeliveryLog(channelSizes: sizes, smallChannelLimit: Self.smallChannelLimit)
    // The consumers get their own context, as a gateway is its own process: its I/O thread,
    // busy with a million deliveries a second, would otherwise hold up the sender's replies.
    let counter = try receivers(daemon: daemon, population: population, log: log)
    defer { counter.stop() }
    _ = log.take()

    let broadcaster = MixedBroadcaster(
      commandEndpoint: daemon.commandEndpoint, context: context, curve: daemon.curve,
      channelIDs: sizes.indices.map(plan.channelID), rate: rate, duration: duration)
    var generator = SeededGenerator(seed: 2)
    var recorder = RunRecorder()
    var notes = [
      "setup: \(plan.totalSubscriptions) subscriptions (\(users) users, \(channels) channels, "
        + "largest \(sizes.max() ?? 0), \(sizes.filter { $0 <= Self.smallChannelLimit }.count) "
        + "of at most \(Self.smallChannelLimit)) in \(String(format: "%.1f", setupSeconds)) s"
    ]
    if gateways > 0 {
      notes.append(
        "\(gateways) gateway sessions (DEALER, each on its own thread), user i attached at "
          + "gateway i % \(gateways); a batch of k recipients counts as k deliveries, all "
          + "arrived when the batch did")
    }
    for run in 1...daemonOptions.runs {
      let droppedBefore = try DaemonStats(population: population).deliveriesDropped
      let outcome = try broadcaster.run(
        picking: &generator,
        deadline: Deadline("sending broadcasts", seconds: duration + daemonOptions.timeoutSeconds))
      let expected = outcome.broadcasts.reduce(0) { $0 + $1.recipientCount }
      let arrivalDeadline = Deadline("deliveries", seconds: daemonOptions.timeoutSeconds)
      while counter.count < expected && !arrivalDeadline.hasPassed { usleep(1000) }
      if counter.count < expected {
        notes.append(
          "run \(run): \(counter.count) of \(expected) deliveries arrived within "
            + "\(Int(daemonOptions.timeoutSeconds)) s")
      }
      try counter.waitForQuiet(deadline: Deadline("quiet after the run", seconds: 60))
      counter.reset()
      let results = log.take()
      let dropped = try DaemonStats(population: population).deliveriesDropped - droppedBefore
      MixedFigures(broadcasts: outcome.broadcasts, results: results, expected: expected)
        .record(into: &recorder, daemonDropped: dropped, largestLag: outcome.largestLagNanoseconds)
    }
    try Report(
      scenario: "mixed", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging([
        "consumerHighWaterMark": String(consumerHighWaterMark),
        "consumerReceiveBufferBytes": String(consumerReceiveBufferBytes),
        "transport": daemonOptions.endpoint == nil ? transport.rawValue : "given by --endpoint",
        "users": String(users), "channels": String(channels),
        "subscriptionsPerUser": String(subscriptionsPerUser),
        "largestChannel": String(largestChannel), "rate": String(rate),
        "duration": String(duration), "curve": String(curve), "gateways": String(gateways),
      ]) { $1 },
      figures: recorder.figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }

  /// What receives the deliveries: one consumer subscribed to everything, or with `--gateways`
  /// that many gateway sessions sharing the users; either passes what arrives to `log`.
  private func receivers(daemon: DaemonUnderTest, population: Population, log: MixedDeliveryLog)
    throws -> any MixedReceivers
  {
    guard gateways > 0 else {
      let counter = try DeliveryCounter(
        endpoint: daemon.deliveryEndpoint, context: try ZMQContext(), curve: daemon.curve,
        receiveHighWaterMark: consumerHighWaterMark,
        receiveBufferBytes: consumerReceiveBufferBytes
      ) {
        _, envelope, arrival in log.record(envelope: envelope, arrival: arrival)
      }
      try ConsumerReadiness.waitUntilReceiving(
        counter, population: population, deadline: Deadline("consumer connection", seconds: 60))
      return counter
    }
    guard let endpoint = daemon.gatewayEndpoint else {
      throw BenchmarkError("--gateways needs a daemon with a gateway socket (this build has none)")
    }
    // Attached before any broadcast: the attach replies mean every later one includes them.
    return try GatewayGroup(
      gateways: gateways, users: users, endpoint: endpoint, context: try ZMQContext(),
      curve: daemon.curve
    ) { _, recipients, envelope, arrival in
      log.record(envelope: envelope, recipients: recipients, arrival: arrival)
    }
  }
}

/// The mixed scenario's receivers: a consumer, or gateway sessions.
protocol MixedReceivers: DeliveryCounting {
  func reset()
  func stop()
}

extension DeliveryCounter: MixedReceivers {}
extension GatewayGroup: MixedReceivers {}
