import ChannelCastCluster
import ChannelCastCore
import ChannelCastProtocol
import Logging
import NATS

#if canImport(Glibc)
  import Glibc
#endif

/// A cluster node's part of the command thread: the replicated log it applies and commits to,
/// its heartbeats, and the forwarding of requests between nodes.
///
/// Every node holds every channel (it applies the whole log), decides the requests of the
/// channel partitions it serves, and forwards the others to their owners over core NATS
/// (`channelcast.rpc.node.<name>`), answering the caller when the owner's reply comes back
/// (`channelcast.rpc.reply.<name>.<instance>.<token>`). A request whose partition has no live
/// owner is answered `unavailable` at once, and changes nothing.
///
/// Ownership: the command thread, except `inbox`, which the C client's threads post to.
final class ClusterNode {
  static let rpcPrefix = "channelcast.rpc"

  /// What a request becomes on this node.
  enum Routing {
    /// Decided here, from `frame` (the request, with a generated ID for a new channel).
    case decideHere([UInt8])
    /// Decided here as in single-node mode: reads of this node's copy, and the requests the
    /// service refuses before deciding anything.
    case local
    /// Sent to its partition's owner; the reply comes later.
    case forwarded
    /// Answered at once (no owner to forward to, too many forwards waiting).
    case answered([UInt8])
  }

  let settings: ClusterSettings
  let connection: NATSConnection
  let log: ClusterLog
  /// The service deciding over the log (made by `init`'s `makeService`).
  let service: ChannelCastService
  let inbox: ClusterInbox
  let membership: ClusterMembership
  let snapshotWriter: ClusterSnapshotWriter
  let logger: Logger
  var requestSubscription: NATSSubscription?
  var replySubscription: NATSSubscription?
  let replyPrefix: String

  /// A request forwarded to an owner, waiting for its reply.
  struct PendingForward {
    let client: ClientReplyOrder.Client
    let deadline: ContinuousClock.Instant
    let frame: [UInt8]
  }

  var forwards: [UInt64: PendingForward] = [:]
  var nextToken: UInt64 = 0
  /// Replies to forwarded requests this node decided, to publish once their run is committed.
  var repliesToNodes: [(subject: String, reply: [UInt8])] = []
  /// Replies to this node's clients, in each client's request order.
  var repliesToClients = ClientReplyOrder()
  var lastRebalance = ContinuousClock.now - .seconds(1)
  /// A failure to apply the log met outside `turn`, which throws it.
  var failure: String?
  /// The term of this node's lease (`ClusterMembership.lease`) in which it read the log to its
  /// end; nil until it has in the current one.
  var caughtUpInLease: UInt64?
  /// Whether this node may decide as an owner: its lease holds, in the term in which it read
  /// the log to its end (a node that was paused or cut off learns of the takeovers meanwhile
  /// before it decides anything, even when its heartbeats resumed before it looked).
  var leaseHeld: Bool {
    guard let caughtUpInLease else { return false }
    return membership.lease == caughtUpInLease
  }
  /// Requests this node forwarded, and requests it decided for other nodes.
  var forwardedOut: UInt64 = 0
  var forwardedIn: UInt64 = 0

  /// Connects to NATS, checks the partition settings against the cluster's, loads the latest
  /// snapshot into the state `makeState` makes (when the cluster has one), opens the log after
  /// it, makes the service that commits to it (`makeService`) and applies the log into its
  /// state up to its end, then starts heartbeating and taking forwarded requests. Throws when
  /// NATS cannot be reached, the settings differ, or the snapshot or the log cannot be loaded.
  init(
    settings: ClusterSettings, scope: DeliveryScope, cacheDirectory: String, logger: Logger,
    makeState: () -> ChannelCastState,
    makeService: (ChannelCastState, any MutationLog) -> ChannelCastService
  ) throws {
    self.settings = settings
    self.logger = logger
    let inbox = try ClusterInbox()
    self.inbox = inbox
    let partitions = ClusterPartitions(
      channelPartitions: settings.channelPartitions, userPartitions: settings.userPartitions)
    let (connection, store) = try Self.whenNATSAnswers(logger: logger) {
      let connection = try NATSConnection(
        urls: settings.natsURLs, name: "channelcastd-\(settings.nodeName)",
        timeoutMilliseconds: Int64(settings.requestTimeoutMilliseconds))
      let bucket = try KeyValueBucket(
        connection: connection, name: "CHANNELCAST_SETTINGS", replicas: settings.streamReplicas)
      try ClusterSettingsAgreement(
        channelPartitions: settings.channelPartitions, userPartitions: settings.userPartitions
      ).check(against: bucket)
      let store = try ClusterSnapshotStore(
        connection: connection, bucket: bucket, replicas: settings.streamReplicas)
      return (connection, store)
    }
    self.connection = connection
    let state = makeState()
    let snapshot = try Self.loadLatestSnapshot(
      from: store, cache: SnapshotCache(directory: cacheDirectory), into: state, logger: logger)
    var logSettings = ClusterLog.Settings(nodeName: settings.nodeName, partitions: partitions)
    logSettings.replicas = settings.streamReplicas
    let log = try Self.whenNATSAnswers(logger: logger) {
      try ClusterLog(connection: connection, settings: logSettings, startingAfter: snapshot) {
        inbox.signal()
      }
    }
    self.log = log
    log.userPartitionsChanged = { scope.setOwned($0) }
    let service = makeService(state, log)
    self.service = service
    let end = try Self.whenNATSAnswers(logger: logger) { try log.streamLastSequence() }
    guard
      try log.catchUp(
        to: end, service: service, timeoutMilliseconds: 600_000, sendingEvents: false)
    else {
      throw ClusterStartError("the cluster's log was not read to its end (\(end)) in 10 minutes")
    }
    try service.finishRun()
    logger.info(
      "applied the cluster's log",
      metadata: [
        "after": "\(snapshot?.logSequence ?? 0)", "through": "\(end)",
        "node": "\(log.identity)",
      ])
    snapshotWriter = ClusterSnapshotWriter(
      store: store, logStream: logSettings.streamName,
      entriesBetween: UInt64(settings.snapshotEntries), latest: snapshot?.logSequence ?? 0
    ) { [logger] outcome in Self.log(outcome, logger) }
    let instance = log.identity.split(separator: "/").last.map(String.init) ?? "0"
    replyPrefix = "\(Self.rpcPrefix).reply.\(settings.nodeName).\(instance)"
    var membershipSettings = ClusterMembership.Settings()
    membershipSettings.heartbeatMilliseconds = settings.heartbeatMilliseconds
    membershipSettings.ownerTimeoutMilliseconds = settings.ownerTimeoutMilliseconds
    membershipSettings.replicas = settings.streamReplicas
    // The heartbeats' bucket may have no JetStream leader yet (servers starting with the node).
    membership = try Self.whenNATSAnswers(logger: logger) {
      try ClusterMembership(
        connection: connection, name: settings.nodeName, identity: log.identity,
        watermark: log.fannedOutThrough, applied: log.appliedSequence,
        settings: membershipSettings
      ) { _ in inbox.postMembersChanged() }
    }
    requestSubscription = try NATSSubscription(
      connection: connection, subject: "\(Self.rpcPrefix).node.\(settings.nodeName)"
    ) { message in
      guard let replyTo = message.reply else { return }
      guard inbox.post(.init(frame: message.data, replyTo: replyTo)) else {
        let refusal = ChannelCastService.errorReply(
          to: message.data[...],
          ChannelCastError(
            .overloaded,
            "node \(settings.nodeName) has \(ClusterInbox.maxForwardedRequests) forwarded "
              + "requests waiting",
            details: .init(retryAfterMs: 100)))
        try? connection.send(refusal, to: replyTo)
        return
      }
    }
    replySubscription = try NATSSubscription(connection: connection, subject: "\(replyPrefix).*") {
      [replyPrefix] message in
      guard let token = UInt64(message.subject.dropFirst(replyPrefix.count + 1)) else { return }
      inbox.post(
        .init(token: token, reply: message.data, reachedNobody: message.isNoResponders))
    }
    log.userPartitionsTakenOver = { [unowned self] in resendAfter($0) }
    service.clusterStatus = { [unowned self] in status() }
    service.clusterStatistics = { [unowned self] in statistics() }
  }

  /// How long a starting node waits for the NATS servers and JetStream to answer (servers
  /// starting with it, a JetStream leader being elected).
  static let startPatience = Duration.seconds(60)

  /// Runs `body` again while NATS does not answer (no server, a timeout, no JetStream leader
  /// yet), for up to `startPatience`; any other error ends it at once.
  private static func whenNATSAnswers<Result>(
    logger: Logger, _ body: () throws -> Result
  ) throws -> Result {
    let deadline = ContinuousClock.now + startPatience
    while true {
      do {
        return try body()
      } catch let error as NATSError
        where !error.isPayloadTooLarge && error.jetStreamCode == 0
        && ContinuousClock.now < deadline
      {
        logger.warning("waiting for the NATS servers and JetStream: \(error)")
        usleep(1_000_000)
      }
    }
  }

  /// Loads the cluster's latest snapshot into `state` (empty), from the data directory's copy
  /// when it is that snapshot, else from JetStream (and keeps a copy); returns what the log's
  /// reader needs of it, nil when the cluster has none yet.
  private static func loadLatestSnapshot(
    from store: ClusterSnapshotStore, cache: SnapshotCache, into state: ChannelCastState,
    logger: Logger
  ) throws -> ClusterSnapshot.Position? {
    guard let manifest = try whenNATSAnswers(logger: logger, { try store.latest() }) else {
      return nil
    }
    let started = ContinuousClock.now
    let cached = cache.bytes(of: manifest)
    let bytes = try cached ?? whenNATSAnswers(logger: logger) { try store.read(manifest) }
    let position = try ClusterSnapshot.load(bytes, into: state)
    if cached == nil { cache.keep(bytes, of: manifest, logger: logger) }
    logger.info(
      "loaded the cluster's snapshot",
      metadata: [
        "logSequence": "\(manifest.logSequence)", "bytes": "\(manifest.bytes)",
        "from": "\(cached == nil ? "JetStream" : "dataDirectory")",
        "milliseconds": "\((ContinuousClock.now - started) / .milliseconds(1))",
      ])
    return position
  }

  private static func log(_ outcome: ClusterSnapshotWriter.Outcome, _ logger: Logger) {
    switch outcome {
    case .written(let manifest, let trimmed, let milliseconds):
      logger.info(
        "wrote a snapshot of the cluster's log",
        metadata: [
          "logSequence": "\(manifest.logSequence)", "bytes": "\(manifest.bytes)",
          "chunks": "\(manifest.chunks)", "milliseconds": "\(milliseconds)",
          "logTrimmedBefore": "\(trimmed)",
        ])
    case .notNeeded:
      break
    case .failed(let reason):
      logger.warning(
        "could not write a snapshot of the cluster's log (tried again later): \(reason)")
    }
  }

  /// Stops heartbeating, taking requests and writing snapshots.
  func stop() {
    requestSubscription?.unsubscribe()
    replySubscription?.unsubscribe()
    membership.stop()
    snapshotWriter.stop()
  }
}

/// A cluster node could not start.
struct ClusterStartError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
