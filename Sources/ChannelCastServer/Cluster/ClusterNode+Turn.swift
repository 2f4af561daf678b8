import ChannelCastCluster
import ChannelCastCore
import ChannelCastProtocol
import NATS

/// The node's turn on the command thread: the log applied, partitions moved, forwarded
/// requests decided, replies sent.
extension ClusterNode {
  /// Applies what the log has ready, moves partitions when the live nodes changed, decides the
  /// requests other nodes forwarded (`decide`: the processor's handling) and takes the replies
  /// to this node's forwards. Throws `clusterLogFailed` when the log cannot be applied.
  func turn(decide: (ArraySlice<UInt8>) -> [UInt8]) throws(DaemonPartError) {
    if let failure { throw .clusterLogFailed(failure) }
    membership.setPositions(watermark: log.fannedOutThrough, applied: log.appliedSequence)
    let arrived = inbox.take()
    do {
      try log.applyAvailable(to: service)
      for refusal in log.takeRefusedRecords() {
        logger.error(
          "a record of the cluster's log does not apply: ignored, as on every node",
          metadata: ["reason": "\(refusal)"])
      }
      let lease = membership.lease
      if let lease, lease != caughtUpInLease {
        if caughtUpInLease != nil {
          logger.warning(
            """
            this node's lease lapsed (its heartbeats stopped for a while: paused, or NATS \
            unreachable): it reads the log to its end before it decides again
            """)
        }
        let caughtUp = try log.catchUp(
          to: log.streamLastSequence(), service: service,
          timeoutMilliseconds: Int64(settings.requestTimeoutMilliseconds))
        caughtUpInLease = caughtUp ? lease : nil
      } else if lease == nil, caughtUpInLease != nil {
        logger.warning(
          "this node's heartbeats are late: it decides nothing until they are written again")
        caughtUpInLease = nil
      }
      if arrived.membersChanged || ContinuousClock.now - lastRebalance > .milliseconds(250),
        leaseHeld
      {
        lastRebalance = .now
        try log.rebalance(members: membership.members)
      }
      offerSnapshotIfDue()
    } catch let error as NATSError {
      logger.warning("could not reach the cluster's log (it tries again): \(error)")
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
      repliesToClients.complete(reply.token, with: body, for: forward.client)
    }
    for request in arrived.requests {
      forwardedIn += 1
      repliesToNodes.append((request.replyTo, decideForwarded(request.frame, decide: decide)))
    }
    let now = ContinuousClock.now
    for (token, forward) in forwards where forward.deadline <= now {
      forwards[token] = nil
      repliesToClients.complete(
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

  /// Hands the snapshot writer the state as applied now when one is due: this node serves
  /// channel partition 0 (so that one node at a time writes them), `snapshotEntries` entries
  /// were applied since the latest snapshot, and none is being written. The log may be trimmed
  /// up to it, no further than every live node has applied.
  func offerSnapshotIfDue() {
    guard leaseHeld, log.servedChannelPartitions[0] != nil, !snapshotWriter.isBusy,
      log.appliedSequence >= snapshotWriter.latestSequence + UInt64(settings.snapshotEntries),
      let snapshot = log.snapshot(of: service, takenAtMs: SystemTimeSource().nowMilliseconds())
    else { return }
    snapshotWriter.write(
      snapshot, trimLogBefore: min(membership.lowestApplied, snapshot.position.logSequence) + 1)
  }

  /// Sends again, to the users of the user partitions this node took over, the messages their
  /// previous owners may not have handed to them: those after the sequence a release names,
  /// or after the last watermark of a node the partitions were taken from (all the recent ones
  /// when it never wrote one), up to the takeover. Once per previous owner and starting point
  /// for all the partitions taken from it.
  func resendAfter(_ takeovers: [ClusterLog.Takeover]) {
    let groups = Dictionary(grouping: takeovers) { takeover in
      ResendStart(
        from: takeover.from,
        after: takeover.handedOverThrough ?? membership.watermark(of: takeover.from) ?? 0)
    }
    for (start, takeovers) in groups {
      let partitions = DeliveryScope.Partitions(
        partitions: log.settings.partitions, owned: takeovers.map(\.partition))
      let messages = log.recentMessages(after: start.after, before: takeovers.map(\.at).max()!)
      let resent = service.resendMessages(messages, toUsersOf: partitions)
      logger.info(
        "took user partitions over",
        metadata: [
          "partitions": "\(takeovers.count)", "from": "\(start.from)",
          "after": "\(start.after)", "messagesSentAgain": "\(resent)",
          "released": "\(takeovers[0].handedOverThrough != nil)",
        ])
    }
  }

  /// Where the messages sent again after a takeover start: after `after`, of node `from`.
  private struct ResendStart: Hashable {
    let from: String
    let after: UInt64
  }

  /// Decides a request another node forwarded, if this node serves its partition (the
  /// forwarding node may have read the ledger before a move).
  func decideForwarded(_ frame: [UInt8], decide: (ArraySlice<UInt8>) -> [UInt8])
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
    repliesToClients.sendReady(sendToClient)
  }
}
