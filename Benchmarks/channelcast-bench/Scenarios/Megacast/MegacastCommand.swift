import ArgumentParser

/// One channel with N subscribers, one broadcast: how fast does it reach everyone?
struct MegacastCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "megacast",
    abstract: "One broadcast to one channel with N subscribers; every delivery is counted.",
    discussion: """
      Subscribes N users (u0 ... uN-1) to one channel, connects --consumers consumer SUB \
      sockets, then times one sendMessage per run: from the reply to the last delivery, and \
      deliveries per second from the request to the last delivery.

      CONSUMERS
        Each consumer is a SUB socket on its own thread, standing in for a gateway; all of \
      them mark the users they receive in one set. By default there is one, subscribed to \
      every delivery; more than one needs --per-user-topics. With --per-user-topics, consumer \
      k of N subscribes to the delivery topic (the user ID and one NUL byte) of each user i \
      with i % N == k, in the byte order of the topics, with ZMQ_SNDHWM 0 set before it \
      connects: at libzmq's default of 1000, the subscriptions past the 1000th are dropped at \
      connect. The consumers connect once the daemon is idle (the setup's subscribed events \
      delivered); with --per-user-topics the harness then waits, sending nothing, until the \
      started daemon's channelcast_subscribed_topics counts every subscription in force, and \
      the notes say how long after the last consumer connected that took. Before the runs, \
      the harness subscribes each consumer's last subscribed user to a probe channel and \
      broadcasts to it every 20 ms until every consumer has received one (for at most \
      --timeout-seconds). Subscriptions reach the daemon in order, so that proves all of them \
      are in force; the notes say how long after connecting that took.

      MISSING DELIVERIES
        A run waits until every user has received the message or --timeout-seconds (default \
      120) have passed, then until nothing has arrived for 200 ms. It does not fail when \
      deliveries are missing: it records per run the users that received nothing ("missing"), \
      the deliveries to a user that already had one ("duplicated") and how much the daemon's \
      deliveriesDropped grew ("dropped"). Deliveries per second and reply → last delivery \
      then count only what arrived, and a note names the run. The note "every delivery \
      received exactly once in every run" appears only when that is so.

      SECURITY AND POLICY
        --curve starts the daemon with a server key pair the harness makes and a clients file \
      that admits one client key, as an admin; the command client and every consumer connect \
      with that key. It cannot be combined with --endpoint. --slow-consumer-policy (default \
      block) is passed to the started daemon: with drop, what a full consumer queue cannot \
      take shows up as both missing and dropped.

      GATEWAYS
        --gateways N attaches the subscribers at N gateway sessions on the daemon's gateway \
      socket instead (user i at gateway i % N, 10,000 per attach request), each a DEALER on its \
      own thread that counts every recipient of every batch in one set: none may be missing or \
      come twice. Before that, one gateway attaches every user alone, one request at a time, \
      and says bye: the attach figure. The runs then time recipients per second from the \
      request to the last recipient, and the reply to the last recipient.

      EXAMPLES
        channelcast-bench megacast --subscribers 1000000
        channelcast-bench megacast --subscribers 1000000 --gateways 8
        channelcast-bench megacast --subscribers 250000 \\
          --consumers 4 --per-user-topics
        channelcast-bench megacast --subscribers 250000 --per-user-topics \\
          --curve --slow-consumer-policy drop --timeout-seconds 30
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "Subscribers of the channel (up to 10,000,000).")
  var subscribers = 1_000_000

  @Option(help: "Bytes of the message payload (a JSON string).")
  var payloadBytes = 100

  @Option(help: "Consumer SUB sockets, each on its own thread, sharing the users (up to 256).")
  var consumers = 1

  @Flag(
    help: """
      Each consumer subscribes to its share of the users, one topic per user (user ID and \
      NUL), instead of to every delivery.
      """)
  var perUserTopics = false

  @Flag(help: "Start the daemon with CURVE keys the harness makes; every socket uses CURVE.")
  var curve = false

  @Option(
    help: """
      Gateway sessions on the gateway socket instead of consumer SUB sockets (0: none; up to \
      256): user i is attached at gateway i % N, and each counts every recipient of every batch.
      """)
  var gateways = 0

  func validate() throws {
    guard (1...10_000_000).contains(subscribers) else {
      throw ValidationError("--subscribers must be between 1 and 10,000,000")
    }
    guard (1...256).contains(consumers), consumers <= subscribers else {
      throw ValidationError("--consumers must be between 1 and 256, and at most --subscribers")
    }
    guard (0...256).contains(gateways), gateways <= subscribers else {
      throw ValidationError("--gateways must be between 0 and 256, and at most --subscribers")
    }
    guard gateways == 0 || (consumers == 1 && !perUserTopics) else {
      throw ValidationError(
        "--gateways replaces the consumers: leave out --consumers and --per-user-topics")
    }
    guard consumers == 1 || perUserTopics else {
      throw ValidationError(
        "--consumers above 1 needs --per-user-topics: consumers that all subscribe to every "
          + "delivery would each receive every user's")
    }
    try daemonOptions.validate(curve: curve)
  }

  func run() throws {
    let outcome = try Megacast(
      options: daemonOptions, subscribers: subscribers, payloadBytes: payloadBytes,
      consumers: consumers, perUserTopics: perUserTopics, curve: curve, gateways: gateways
    ).measure()
    try outcome.report.publish(jsonPath: daemonOptions.json)
  }
}
