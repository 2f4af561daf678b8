import ArgumentParser
import Foundation

/// What a three-node cluster costs and gives, against one daemon: forwarding latency,
/// subscribe throughput, a broadcast's fan-out over the nodes, and how long a channel is
/// unavailable when its owner dies.
struct ClusterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cluster",
    abstract: "A 3-node cluster: forwarding latency, subscribes/s, fan-out and takeover time.",
    discussion: """
      Each run starts, in one temporary folder, three nats-server processes routed into one \
      JetStream cluster (loopback ports) and three channelcastd nodes n1, n2, n3 in cluster \
      mode (the release build next to this program, ipc:// endpoints, R3 streams, 32 channel \
      and 256 user partitions), and waits until the cluster has settled: every node's ping \
      lists all three nodes and every channel and user partition is served by exactly one \
      node. Then, in this order:

      (1) Forwarding latency. A channel with 10 subscribers; --requests sendMessage requests \
      through the node owning its partition and as many through a node that does not (which \
      forwards them to the owner), one at a time, the two taking turns. p50 and p99 of each \
      and their ratio; the issue's target is a forwarded p99 of at most 5 ms.

      (2) Subscribes/s. --clients clients, each its own thread and DEALER connected to all \
      three command endpoints, pipeline --subscribes single-user subscribeOfficialAccount \
      requests between them (--window in flight each, every user distinct, over --channels \
      channels), timed from their common start to the last reply; failed requests are counted \
      (they must be 0). The same against one channelcastd outside cluster mode, started and \
      stopped before the cluster in the same run, is the baseline; the ratio is cluster / \
      single daemon.

      (3) Fan-out. --subscribers users u0 ... of one channel (subscribed 1000 per request \
      through the channel's owner before any consumer connects; each batch goes through the \
      replicated log, about half a second a batch on a 2-core machine, so the default \
      1,000,000 take some 8 minutes to set up), whose deliveries come from the node serving each user's \
      partition: one SUB per node counts them and marks every user (none missing, none twice, \
      none from a node not serving it). One sendMessage through the channel's owner; \
      deliveries/s and seconds from its reply to the last delivery, and each node's share.

      (4) Takeover. SIGKILL to the node owning the channel of (1); sendMessage to that channel \
      with a clientMsgID through the two survivors every 50 ms until one answers ok, sent \
      again on unavailable (and overloaded or internal) and, from a fresh client, on no reply \
      within --takeover-reply-timeout-milliseconds. The time from the kill to that ok reply; \
      the issue's target is at most 10 s. The nodes use the daemon's heartbeat and owner \
      timeout (1000 and 5000 ms) unless --owner-timeout-milliseconds is given. This comes last \
      because it kills a node: each run starts a fresh cluster.

      Then every process is stopped (SIGTERM, SIGKILL after 10 s) and the folder removed, also \
      when a run fails. On one machine the three nodes, the three NATS servers and this \
      harness share its cores (on a 2-core machine, seven busy processes share two): the \
      figures show what the cluster's code costs, not what three machines would give. \
      --endpoint cannot be used: the scenario starts its own cluster.
      """)

  @OptionGroup var daemonOptions: DaemonOptions

  @Option(help: "sendMessage requests of (1) through the owner, and as many through a non-owner.")
  var requests = 2000

  @Option(help: "Clients of (2), each its own thread and DEALER connected to every node.")
  var clients = 4

  @Option(help: "Single-user subscribes of (2), split evenly among the clients.")
  var subscribes = 200_000

  @Option(help: "Channels the subscribes of (2) are spread over.")
  var channels = 64

  @Option(help: "Subscribe requests of (2) in flight per client.")
  var window = 64

  @Option(help: "Subscribers of the channel of (3), and so deliveries per run (up to 10,000,000).")
  var subscribers = 1_000_000

  @Option(
    help: """
      --cluster-owner-timeout-milliseconds of the nodes (500 to 600,000), with a heartbeat of \
      a third of it, at most 1000 ms (default: the daemon's 5000 and 1000).
      """)
  var ownerTimeoutMilliseconds: Int?

  @Option(help: "How long a try of (4) waits for its reply before sending again, in ms.")
  var takeoverReplyTimeoutMilliseconds = 1000

  @Option(help: "Seconds the cluster may take to start and settle.")
  var settleSeconds: Double = 60

  @Option(help: "The nats-server to start (default: the one on PATH, else /usr/sbin/nats-server).")
  var natsServer: String?

  func validate() throws {
    guard daemonOptions.endpoint == nil else {
      throw ValidationError(
        "cluster starts its own three nodes and kills one; it cannot measure a daemon at "
          + "--endpoint")
    }
    guard requests >= 1, clients >= 1, channels >= 1, window >= 1,
      takeoverReplyTimeoutMilliseconds >= 1, settleSeconds > 0
    else {
      throw ValidationError(
        "--requests, --clients, --channels, --window, --takeover-reply-timeout-milliseconds "
          + "and --settle-seconds must be positive")
    }
    guard subscribes >= clients else {
      throw ValidationError("--subscribes must be at least --clients (\(clients))")
    }
    guard (1...10_000_000).contains(subscribers) else {
      throw ValidationError("--subscribers must be between 1 and 10,000,000")
    }
    if let ownerTimeoutMilliseconds, !(500...600_000).contains(ownerTimeoutMilliseconds) {
      throw ValidationError(
        "--owner-timeout-milliseconds must be between 500 and 600,000, the daemon's range")
    }
    guard NATSServer.executable(natsServer) != nil else {
      throw ValidationError(
        natsServer.map { "no executable nats-server at \($0)" }
          ?? "no nats-server on PATH or at /usr/sbin/nats-server: apt-get install nats-server")
    }
  }

  /// The cluster flags of the nodes beyond those `ClusterUnderTest` sets.
  var nodeArguments: [String] {
    var arguments = ["--max-subscriber-count", String(max(subscribers, subscribes))]
    if let ownerTimeoutMilliseconds {
      arguments += [
        "--cluster-owner-timeout-milliseconds", String(ownerTimeoutMilliseconds),
        "--cluster-heartbeat-milliseconds", String(min(1000, ownerTimeoutMilliseconds / 3)),
      ]
    }
    return arguments
  }

  func run() throws {
    var recorder = RunRecorder()
    var notes: [String] = []
    for number in 1...daemonOptions.runs {
      notes += try measureRun(number, into: &recorder)
    }
    notes += [
      "(1) through the owner: the request is decided on the node that received it; through "
        + "a non-owner: forwarded to the owner and its reply back, over NATS",
      "(2) ratio: the cluster's rate / the single daemon's, per run; both with --window "
        + "\(window) per client",
      "(3) share: deliveries counted from each node / all counted; each node delivers to the "
        + "users of the user partitions it serves",
      "(4) the channel of (1), 10 subscribers; tries go to the two surviving nodes in turn",
      "one machine: the three nodes, the three nats-servers and the harness share "
        + "\(ProcessInfo.processInfo.activeProcessorCount) cores",
    ]
    let ownerTimeout = ownerTimeoutMilliseconds.map(String.init) ?? "5000 (daemon default)"
    let heartbeat =
      ownerTimeoutMilliseconds.map { String(min(1000, $0 / 3)) } ?? "1000 (daemon default)"
    try Report(
      scenario: "cluster", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging([
        "nodes": "3 channelcastd + 3 nats-server, R3", "requests": String(requests),
        "clients": String(clients), "subscribes": String(subscribes),
        "channels": String(channels), "window": String(window),
        "subscribers": String(subscribers), "ownerTimeoutMilliseconds": ownerTimeout,
        "heartbeatMilliseconds": heartbeat,
        "takeoverReplyTimeoutMilliseconds": String(takeoverReplyTimeoutMilliseconds),
      ]) { $1 },
      figures: recorder.figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }

  func progress(_ text: String) {
    FileHandle.standardError.write(Data("cluster: \(text)…\n".utf8))
  }
}
