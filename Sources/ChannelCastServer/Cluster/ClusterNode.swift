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
  private let logger: Logger
  private var requestSubscription: NATSSubscription?
  private var replySubscription: NATSSubscription?
  private let replyPrefix: String

  /// A request forwarded to an owner, waiting for its reply.
  private struct PendingForward {
    let client: ClientKey
    let deadline: ContinuousClock.Instant
    let frame: [UInt8]
  }

  /// A client connection (its routing frames), whose replies go out in the order of its
  /// requests, as from a single daemon: a reply waits for the replies to the client's earlier
  /// forwarded requests.
  private struct ClientKey: Hashable {
    let routingFrames: [[UInt8]]
  }

  private enum HeldReply {
    case waiting(token: UInt64)
    case ready([UInt8])
  }

  private var forwards: [UInt64: PendingForward] = [:]
  /// The replies of each client with a forwarded request outstanding, in request order.
  private var heldReplies: [ClientKey: [HeldReply]] = [:]
  private var nextToken: UInt64 = 0
  /// Replies to forwarded requests this node decided, to publish once their run is committed.
  private var repliesToNodes: [(subject: String, reply: [UInt8])] = []
  /// Replies from owners to this node's clients, to send on the command socket.
  private var repliesToClients = RunReplies()
  private var lastRebalance = ContinuousClock.now - .seconds(1)
  /// A failure to apply the log met outside `turn`, which throws it.
  private var failure: String?
  /// Whether this node may decide as an owner: its lease holds (`ClusterMembership`), and since
  /// it last did not, the node has read the log to its end (a node that was paused or cut off
  /// learns of the takeovers meanwhile before it decides anything).
  private var leaseHeld = false
  /// Requests this node forwarded, and requests it decided for other nodes.
  private(set) var forwardedOut: UInt64 = 0
  private(set) var forwardedIn: UInt64 = 0

  /// Connects to NATS, checks the partition settings against the cluster's, opens the log,
  /// makes the service that commits to it (`makeService`) and applies the log into its state
  /// up to its end, then starts heartbeating and taking forwarded requests. Throws when NATS
  /// cannot be reached, the settings differ, or the log cannot be applied.
  init(
    settings: ClusterSettings, scope: DeliveryScope, logger: Logger,
    makeService: (any MutationLog) -> ChannelCastService
  ) throws {
    self.settings = settings
    self.logger = logger
    let inbox = try ClusterInbox()
    self.inbox = inbox
    let partitions = ClusterPartitions(
      channelPartitions: settings.channelPartitions, userPartitions: settings.userPartitions)
    (connection, log) = try Self.whenNATSAnswers(logger: logger) {
      let connection = try NATSConnection(
        urls: settings.natsURLs, name: "channelcastd-\(settings.nodeName)",
        timeoutMilliseconds: Int64(settings.requestTimeoutMilliseconds))
      try ClusterSettingsAgreement(
        channelPartitions: settings.channelPartitions, userPartitions: settings.userPartitions
      ).check(
        against: KeyValueBucket(
          connection: connection, name: "CHANNELCAST_SETTINGS", replicas: settings.streamReplicas
        ))
      var logSettings = ClusterLog.Settings(nodeName: settings.nodeName, partitions: partitions)
      logSettings.replicas = settings.streamReplicas
      let log = try ClusterLog(connection: connection, settings: logSettings) { inbox.signal() }
      return (connection, log)
    }
    log.userPartitionsChanged = { scope.setOwned($0) }
    let service = makeService(log)
    self.service = service
    let end = try log.streamLastSequence()
    guard
      try log.catchUp(
        to: end, service: service, timeoutMilliseconds: 600_000, sendingEvents: false)
    else {
      throw ClusterStartError("the cluster's log was not read to its end (\(end)) in 10 minutes")
    }
    try service.finishRun()
    logger.info(
      "applied the cluster's log", metadata: ["entries": "\(end)", "node": "\(log.identity)"])
    let instance = log.identity.split(separator: "/").last.map(String.init) ?? "0"
    replyPrefix = "\(Self.rpcPrefix).reply.\(settings.nodeName).\(instance)"
    var membershipSettings = ClusterMembership.Settings()
    membershipSettings.heartbeatMilliseconds = settings.heartbeatMilliseconds
    membershipSettings.ownerTimeoutMilliseconds = settings.ownerTimeoutMilliseconds
    membershipSettings.replicas = settings.streamReplicas
    membership = try ClusterMembership(
      connection: connection, name: settings.nodeName, identity: log.identity,
      watermark: log.fannedOutThrough, settings: membershipSettings
    ) { _ in inbox.postMembersChanged() }
    let connection = connection
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

  /// Stops heartbeating and taking requests.
  func stop() {
    requestSubscription?.unsubscribe()
    replySubscription?.unsubscribe()
    membership.stop()
  }

  // MARK: Routing

  /// Where a request from this node's command socket goes. `routingFrames` are the frames to
  /// send its reply after, should it be forwarded.
  func route(
    _ frame: ArraySlice<UInt8>, as role: Role, routingFrames: some Sequence<ArraySlice<UInt8>>
  ) -> Routing {
    let id: ByteString
    let request: [UInt8]
    switch RequestPlacement.place(frame, as: role, partitions: log.settings.partitions) {
    case .local:
      return .local
    case .everyChannel:
      do {
        // What this run decided so far is committed first: the log is applied only between
        // commits (their deliveries wait for their place in it).
        try service.finishRun()
        guard
          try log.catchUp(
            to: log.streamLastSequence(), service: service,
            timeoutMilliseconds: Int64(settings.requestTimeoutMilliseconds))
        else { return .answered(unavailableCopy(frame)) }
      } catch let error as NATSError {
        logger.warning("could not read the cluster's log to its end: \(error)")
        return .answered(unavailableCopy(frame))
      } catch {
        failure = "\(error)"  // the log and the state disagree: `turn` stops the node
        return .answered(unavailableCopy(frame))
      }
      return .local
    case .channel(let channel, let forward):
      (id, request) = (channel, forward)
    }
    if log.serves(channel: id) {
      return leaseHeld ? .decideHere(request) : .answered(unavailable(frame, id))
    }
    guard let owner = log.owner(ofChannel: id), let name = liveName(of: owner.node) else {
      return .answered(unavailable(frame, id))
    }
    guard forwards.count < ClusterInbox.maxForwardedRequests else {
      return .answered(
        ChannelCastService.errorReply(
          to: frame,
          ChannelCastError(
            .overloaded, "this node has \(forwards.count) forwarded requests waiting",
            details: .init(retryAfterMs: 100))))
    }
    nextToken += 1
    do {
      try connection.send(
        request, to: "\(Self.rpcPrefix).node.\(name)", replyTo: "\(replyPrefix).\(nextToken)")
    } catch  where error.isPayloadTooLarge {
      return .answered(
        ChannelCastService.errorReply(
          to: frame,
          ChannelCastError(
            .internal,
            "the request is \(request.count) bytes, more than the NATS servers' max_payload: "
              + "raise max_payload to at least maxRequestBytes")))
    } catch {
      return .answered(unavailable(frame, id))
    }
    let client = ClientKey(routingFrames: routingFrames.map(Array.init))
    forwards[nextToken] = PendingForward(
      client: client, deadline: .now + .milliseconds(settings.requestTimeoutMilliseconds),
      frame: request)
    heldReplies[client, default: []].append(.waiting(token: nextToken))
    forwardedOut += 1
    return .forwarded
  }

  /// Holds a reply of this node for a client that still waits for a forwarded request's reply,
  /// so that it goes out after it; returns false (the caller sends it) when the client waits
  /// for none.
  func hold(_ reply: [UInt8], routingFrames: some Sequence<ArraySlice<UInt8>>) -> Bool {
    guard !heldReplies.isEmpty else { return false }
    let client = ClientKey(routingFrames: routingFrames.map(Array.init))
    guard heldReplies[client] != nil else { return false }
    heldReplies[client]!.append(.ready(reply))
    return true
  }

  /// A forwarded request's reply came (or its time ran out): sends what of its client's
  /// replies is now first in line.
  private func complete(_ token: UInt64, with reply: [UInt8], for client: ClientKey) {
    guard var held = heldReplies[client],
      let index = held.firstIndex(where: {
        if case .waiting(token) = $0 { true } else { false }
      })
    else { return }
    held[index] = .ready(reply)
    var sent = 0
    for entry in held {
      guard case .ready(let body) = entry else { break }
      repliesToClients.append(body, after: client.routingFrames.lazy.map { $0[...] })
      sent += 1
    }
    held.removeFirst(sent)
    heldReplies[client] = held.isEmpty ? nil : held
  }

  /// The name of the node with this identity when it is alive.
  private func liveName(of identity: String) -> String? {
    guard let slash = identity.firstIndex(of: "/") else { return nil }
    let name = String(identity[..<slash])
    return membership.members[name] == identity ? name : nil
  }

  /// The reply to a read of every channel when this node cannot bring its copy up to date.
  private func unavailableCopy(_ frame: ArraySlice<UInt8>) -> [UInt8] {
    ChannelCastService.errorReply(
      to: frame,
      ChannelCastError(
        .unavailable,
        "this node could not read the cluster's log to its end within "
          + "\(settings.requestTimeoutMilliseconds) ms",
        details: .init(retryAfterMs: settings.heartbeatMilliseconds)))
  }

  private func unavailable(_ frame: ArraySlice<UInt8>, _ id: ByteString) -> [UInt8] {
    let partition = log.settings.partitions.partition(ofChannel: id)
    return ChannelCastService.errorReply(
      to: frame,
      ChannelCastError(
        .unavailable,
        "channel partition \(partition) has no owner that can decide now (a takeover is under "
          + "way); nothing was changed",
        details: .init(retryAfterMs: settings.heartbeatMilliseconds)))
  }

  // MARK: The command thread's turn

  /// Applies what the log has ready, moves partitions when the live nodes changed, decides the
  /// requests other nodes forwarded (`decide`: the processor's handling) and takes the replies
  /// to this node's forwards. Throws `clusterLogFailed` when the log cannot be applied.
  func turn(decide: (ArraySlice<UInt8>) -> [UInt8]) throws(DaemonPartError) {
    if let failure { throw .clusterLogFailed(failure) }
    membership.setWatermark(log.fannedOutThrough)
    let arrived = inbox.take()
    do {
      try log.applyAvailable(to: service)
      for refusal in log.takeRefusedRecords() {
        logger.error(
          "a record of the cluster's log does not apply: ignored, as on every node",
          metadata: ["reason": "\(refusal)"])
      }
      let lease = membership.leaseHolds
      if lease, !leaseHeld {
        leaseHeld = try log.catchUp(
          to: log.streamLastSequence(), service: service,
          timeoutMilliseconds: Int64(settings.requestTimeoutMilliseconds))
      } else if !lease, leaseHeld {
        logger.warning(
          "this node's heartbeats are late: it decides nothing until they are written again")
        leaseHeld = false
      }
      if arrived.membersChanged || ContinuousClock.now - lastRebalance > .milliseconds(250),
        leaseHeld
      {
        lastRebalance = .now
        try log.rebalance(members: membership.members)
      }
    } catch let error as NATSError {
      logger.warning("could not read the cluster's log to its end: \(error)")
    } catch {
      throw .clusterLogFailed("\(error)")
    }
    for reply in arrived.replies {
      guard let forward = forwards.removeValue(forKey: reply.token) else { continue }
      let body =
        reply.reachedNobody
        ? ChannelCastService.errorReply(
          to: forward.frame[...],
          ChannelCastError(
            .unavailable, "the channel's owner left the cluster; nothing was changed",
            details: .init(retryAfterMs: settings.heartbeatMilliseconds)))
        : reply.reply
      complete(reply.token, with: body, for: forward.client)
    }
    for request in arrived.requests {
      forwardedIn += 1
      repliesToNodes.append((request.replyTo, decideForwarded(request.frame, decide: decide)))
    }
    let now = ContinuousClock.now
    for (token, forward) in forwards where forward.deadline <= now {
      forwards[token] = nil
      complete(
        token,
        with: ChannelCastService.errorReply(
          to: forward.frame[...],
          ChannelCastError(
            .internal,
            "the channel's owner did not answer within \(settings.requestTimeoutMilliseconds) "
              + "ms; the request may or may not have taken effect")),
        for: forward.client)
    }
  }

  /// Sends again, to the users of the user partitions this node took over, the messages their
  /// previous owners may not have handed to them: from each previous owner, those after its
  /// last watermark (all the recent ones when it never wrote one) up to the takeover. Once per
  /// previous owner for all the partitions taken from it.
  private func resendAfter(_ takeovers: [ClusterLog.Takeover]) {
    for (previous, takeovers) in Dictionary(grouping: takeovers, by: \.from) {
      let watermark = membership.watermark(of: previous) ?? 0
      let partitions = DeliveryScope.Partitions(
        partitions: log.settings.partitions, owned: takeovers.map(\.partition))
      let messages = log.recentMessages(after: watermark, before: takeovers.map(\.at).max()!)
      let resent = service.resendMessages(messages, toUsersOf: partitions)
      logger.info(
        "took user partitions over",
        metadata: [
          "partitions": "\(takeovers.count)", "from": "\(previous)",
          "watermark": "\(watermark)", "messagesSentAgain": "\(resent)",
        ])
    }
  }

  /// Decides a request another node forwarded, if this node serves its partition (the
  /// forwarding node may have read the ledger before a move).
  private func decideForwarded(_ frame: [UInt8], decide: (ArraySlice<UInt8>) -> [UInt8])
    -> [UInt8]
  {
    guard
      case .channel(let id, let request) = RequestPlacement.place(
        frame[...], as: .admin, partitions: log.settings.partitions)
    else { return decide(frame[...]) }
    guard log.serves(channel: id), leaseHeld else {
      return unavailable(frame[...], id)
    }
    return decide(request[...])
  }

  /// Applies what the log has ready after a commit: this node's records among it, whose
  /// deliveries then leave. Call it after each run's commit, before its replies go out.
  func applyCommitted() throws(DaemonPartError) {
    do {
      try log.applyAvailable(to: service)
    } catch let error as NATSError {
      logger.warning("could not read the cluster's log: \(error)")
    } catch {
      throw .clusterLogFailed("\(error)")
    }
  }

  /// Sends the replies that are ready: to other nodes (their requests' records are committed
  /// by now) and to this node's clients, through `sendToClient`.
  func sendReplies(
    toClient sendToClient: (_ routingFrames: [UnsafeRawBufferPointer], _ body: [UInt8]) -> Void
  ) {
    for (subject, reply) in repliesToNodes {
      do {
        try connection.send(reply, to: subject)
      } catch {
        logger.warning("could not answer a forwarded request: \(error)")
      }
    }
    repliesToNodes.removeAll(keepingCapacity: true)
    repliesToClients.sendAll(sendToClient)
  }

  /// What the node has done, for `stats` and the metrics.
  struct Counts {
    var channelPartitions = 0
    var userPartitions = 0
    var liveNodes = 0
    var replicationLag: UInt64 = 0
    var takeovers = 0
    var forwardedOut: UInt64 = 0
    var forwardedIn: UInt64 = 0
  }

  var counts: Counts {
    Counts(
      channelPartitions: log.servedChannelPartitions.count,
      userPartitions: log.servedUserPartitions.count, liveNodes: membership.members.count,
      replicationLag: log.entriesBehind, takeovers: log.takeovers, forwardedOut: forwardedOut,
      forwardedIn: forwardedIn)
  }

  /// `stats`' `cluster` object.
  func statistics() -> JSONObjectWriter {
    let counts = counts
    var object = JSONObjectWriter()
    object.add("nodeName", settings.nodeName)
    object.add("liveNodes", counts.liveNodes)
    object.add("channelPartitionsOwned", counts.channelPartitions)
    object.add("userPartitionsOwned", counts.userPartitions)
    object.add("replicationLag", counts.replicationLag)
    object.add("takeovers", counts.takeovers)
    object.add("forwardedOut", counts.forwardedOut)
    object.add("forwardedIn", counts.forwardedIn)
    return object
  }

  /// `ping`'s `cluster` object.
  private func status() -> JSONObjectWriter {
    var object = JSONObjectWriter()
    object.add("nodeName", settings.nodeName)
    var nodes = JSONArrayWriter()
    for name in membership.members.keys.sorted() { nodes.append(name) }
    object.add("nodes", array: nodes)
    object.add("channelPartitions", array: Self.numbers(log.servedChannelPartitions.keys))
    object.add("userPartitions", array: Self.numbers(log.servedUserPartitions.keys))
    return object
  }

  private static func numbers(_ values: some Sequence<Int>) -> JSONArrayWriter {
    var array = JSONArrayWriter()
    for value in values.sorted() { array.append(rawJSON: Array(String(value).utf8)) }
    return array
  }
}

/// A cluster node could not start.
struct ClusterStartError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
