import ChannelCastCore
import ChannelCastProtocol
import NATS

/// Where a request goes: decided here, forwarded to its channel's owner, or answered at once.
extension ClusterNode {
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
    let client = ClientReplyOrder.Client(routingFrames)
    forwards[nextToken] = PendingForward(
      client: client, deadline: .now + .milliseconds(settings.requestTimeoutMilliseconds),
      frame: request)
    repliesToClients.forwarded(nextToken, for: client)
    forwardedOut += 1
    return .forwarded
  }

  /// Holds a reply of this node for a client that still waits for a forwarded request's reply,
  /// so that it goes out after it; returns false (the caller sends it) when the client waits
  /// for none.
  func hold(_ reply: [UInt8], routingFrames: some Sequence<ArraySlice<UInt8>>) -> Bool {
    repliesToClients.hold(reply, for: routingFrames)
  }

  /// The name of the node with this identity when it is alive.
  func liveName(of identity: String) -> String? {
    guard let slash = identity.firstIndex(of: "/") else { return nil }
    let name = String(identity[..<slash])
    return membership.members[name] == identity ? name : nil
  }

  /// The reply to a read of every channel when this node cannot bring its copy up to date.
  func unavailableCopy(_ frame: ArraySlice<UInt8>) -> [UInt8] {
    ChannelCastService.errorReply(
      to: frame,
      ChannelCastError(
        .unavailable,
        "this node could not read the cluster's log to its end within "
          + "\(settings.requestTimeoutMilliseconds) ms",
        details: .init(retryAfterMs: settings.heartbeatMilliseconds)))
  }

  func unavailable(_ frame: ArraySlice<UInt8>, _ id: ByteString) -> [UInt8] {
    let partition = log.settings.partitions.partition(ofChannel: id)
    return ChannelCastService.errorReply(
      to: frame,
      ChannelCastError(
        .unavailable,
        "channel partition \(partition) has no owner that can decide now (a takeover is under "
          + "way); nothing was changed",
        details: .init(retryAfterMs: settings.heartbeatMilliseconds)))
  }
}
