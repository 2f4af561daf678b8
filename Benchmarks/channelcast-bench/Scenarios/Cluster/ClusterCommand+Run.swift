import ChannelCastProtocol
import ZeroMQ

/// One run of the cluster scenario: the single-daemon baseline, then a fresh cluster and its
/// four measurements, the one that kills a node last.
extension ClusterCommand {
  /// Subscribers of the channel of (1) and (4).
  private static let latencyChannelSubscribers = 10

  /// Measures run `number` into `recorder`; returns its notes.
  func measureRun(_ number: Int, into recorder: inout RunRecorder) throws -> [String] {
    let context = try ZMQContext()
    let timeout = daemonOptions.timeoutSeconds
    let tag = UInt32.random(in: 0...UInt32.max)
    let subscribeChannels = (0..<channels).map { "@TOA#_cluster-subscribe-\(tag)-\($0)" }
    let subscribeRate = SubscribeRate(clients: clients, subscribes: subscribes, window: window)
    var notes: [String] = []

    progress("run \(number): subscribes to a single daemon (the baseline)")
    let single = try daemonOptions.startDaemon(extraArguments: nodeArguments)
    defer { single.stop() }
    try subscribeRate.createChannels(
      subscribeChannels,
      through: Population(commandEndpoint: single.commandEndpoint, context: context))
    let baseline = try subscribeRate.measure(
      endpoints: single.commandEndpoint, channelIDs: subscribeChannels, context: context,
      deadline: Deadline("subscribes to the single daemon", seconds: timeout))
    single.stop()

    progress("run \(number): starting the cluster")
    let starting = MonotonicClock.nanoseconds()
    let cluster = try ClusterUnderTest(
      natsServer: NATSServer.executable(natsServer)!, options: daemonOptions,
      nodeArguments: nodeArguments, startSeconds: settleSeconds)
    defer { cluster.stop() }
    let views = try cluster.waitUntilSettled(
      context: context, deadline: Deadline("cluster settling", seconds: settleSeconds))
    recorder.record(
      "cluster start → settled", MonotonicClock.seconds(since: starting), unit: "s")
    let population = try Population(commandEndpoint: cluster.commandEndpoints, context: context)
    let nodes = try cluster.nodes.map {
      try Population(commandEndpoint: $0.commandEndpoint, context: context)
    }

    progress("run \(number): (1) sendMessage through the owner and through a non-owner")
    let latencyChannel = "@TOA#_cluster-latency-\(tag)"
    try population.createChannel(
      latencyChannel, maxSubscriberCount: Self.latencyChannelSubscribers)
    try population.subscribe(
      (0..<Self.latencyChannelSubscribers).map { "latency-u\($0)" }, to: latencyChannel)
    let latencyOwner = try cluster.owner(ofChannel: latencyChannel, in: views)
    try ForwardingLatency(
      channel: latencyChannel, ownerEndpoint: cluster.nodes[latencyOwner].commandEndpoint,
      nonOwnerEndpoint: cluster.nodes[(latencyOwner + 1) % 3].commandEndpoint,
      requests: requests
    ).measure(context: context, deadline: Deadline("sendMessage round trips", seconds: timeout))
      .record(into: &recorder)

    progress("run \(number): (2) subscribes through the cluster")
    try subscribeRate.createChannels(subscribeChannels, through: population)
    let clustered = try subscribeRate.measure(
      endpoints: cluster.commandEndpoints, channelIDs: subscribeChannels, context: context,
      deadline: Deadline("subscribes to the cluster", seconds: timeout))
    recorder.record("subscribes/s, cluster", clustered.perSecond, unit: "ops/s")
    recorder.record("subscribes/s, single daemon", baseline.perSecond, unit: "ops/s")
    recorder.record(
      "subscribes/s, cluster / single daemon", clustered.perSecond / baseline.perSecond,
      unit: "×")
    recorder.record("failed subscribes, cluster", Double(clustered.failures), unit: "count")
    recorder.record("failed subscribes, single daemon", Double(baseline.failures), unit: "count")
    for (system, outcome) in [("cluster", clustered), ("single daemon", baseline)] {
      guard let failure = outcome.firstFailure else { continue }
      notes.append(
        "run \(number): \(outcome.failures) subscribes to the \(system) failed, the first: "
          + failure)
    }
    for node in nodes {
      try DaemonStats.waitUntilIdle(
        population: node, deadline: Deadline("subscribed events", seconds: timeout))
    }

    progress("run \(number): (3) subscribing \(subscribers) users for the broadcast")
    let broadcastChannel = "@TOA#_cluster-broadcast-\(tag)"
    let broadcast = ClusterBroadcast(subscribers: subscribers, timeoutSeconds: timeout)
    let broadcastOwner = try cluster.owner(ofChannel: broadcastChannel, in: views)
    let setupSeconds = try broadcast.fillChannel(
      broadcastChannel, through: nodes[broadcastOwner], nodes: nodes)
    recorder.record(
      "broadcast setup: batched subscribes/s (1000 users per request)",
      Double(subscribers) / setupSeconds, unit: "users/s")
    let consumers = try ClusterConsumers(
      deliveryEndpoints: cluster.nodes.map(\.deliveryEndpoint), views: views,
      users: subscribers, context: context)
    defer { consumers.stop() }
    try consumers.waitUntilReceiving(
      population: population, deadline: Deadline("consumers connecting", seconds: timeout))
    progress("run \(number): (3) broadcast to \(subscribers) subscribers")
    let fanOut = try broadcast.measure(
      broadcastChannel, consumers: consumers, owner: nodes[broadcastOwner], nodes: nodes)
    fanOut.record(into: &recorder)
    if let note = fanOut.note(number: number, waitedSeconds: timeout) { notes.append(note) }
    consumers.stop()

    progress(
      "run \(number): (4) SIGKILL to \(ClusterUnderTest.nodeNames[latencyOwner]), the owner "
        + "of the channel of (1)")
    let takeover = try TakeoverMeasurement(
      channel: latencyChannel, replyTimeoutMilliseconds: takeoverReplyTimeoutMilliseconds
    ).measure(
      killing: latencyOwner, of: cluster, context: context,
      deadline: Deadline("takeover", seconds: timeout))
    recorder.record("takeover: SIGKILL → first ok sendMessage", takeover.seconds, unit: "s")
    recorder.record("takeover: tries until ok", Double(takeover.tries), unit: "count")
    notes.append(
      "run \(number): (4) killed \(ClusterUnderTest.nodeNames[latencyOwner]); answered again "
        + "after \(String(format: "%.2f", takeover.seconds)) s; tries retried: "
        + takeover.retriedDescription)
    return notes
  }
}
