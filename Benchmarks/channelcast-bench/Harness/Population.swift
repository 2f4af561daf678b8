import ChannelCastClient
import ChannelCastProtocol
import ZeroMQ

/// Fills a daemon with channels and subscribers quickly: batch subscribes (1000 users per
/// request), pipelined over one DEALER.
struct Population {
  /// Requests in flight before waiting for replies.
  static let window = 16

  let client: ChannelCastClient

  /// Connects to the daemon, over CURVE with `curve`; a reply that takes longer than
  /// `timeoutMilliseconds` is an error.
  init(
    commandEndpoint: String, context: ZMQContext, timeoutMilliseconds: Int = 120_000,
    curve: CurveClientCredentials? = nil
  ) throws {
    client = try ChannelCastClient(
      endpoint: commandEndpoint, context: context, timeoutMilliseconds: timeoutMilliseconds,
      curve: curve)
  }

  /// Calls one op and throws unless it succeeded.
  @discardableResult
  func call(_ op: RequestOp, _ fill: (inout JSONObjectWriter) -> Void = { _ in }) throws
    -> ChannelCastClient.Reply
  {
    let reply = try client.call(op, fill)
    guard reply.ok else {
      throw BenchmarkError(
        "\(op) failed: \(reply.errorCodeName ?? "?"): \(reply.errorMessage ?? "")")
    }
    return reply
  }

  func createChannel(_ id: String, maxSubscriberCount: Int) throws {
    try call(.createOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("ownerUserID", "bench-owner")
      $0.add("officialAccountName", "bench \(id)")
      $0.add("maxSubscriberCount", maxSubscriberCount)
    }
  }

  /// Subscribes every user to the channel, 1000 per request, `window` requests in flight.
  func subscribe(_ users: some Sequence<String>, to channel: String) throws {
    let requests = sequence(state: users.makeIterator()) { users -> [UInt8]? in
      var batch = JSONArrayWriter(reservingCapacity: 12_000)
      while batch.count < 1000, let user = users.next() { batch.append(user) }
      guard batch.count > 0 else { return nil }
      return client.request(.subscribeOfficialAccount) {
        $0.add("officialAccountID", channel)
        $0.add("userIDList", array: batch)
      }
    }
    try pipeline(requests, what: "subscribe")
  }

  /// Sends each request (made with `client.request`), `window` in flight, and throws unless
  /// every one succeeded; `what` names them in the error.
  func pipeline(_ requests: some Sequence<[UInt8]>, what: String) throws {
    var inFlight = 0
    func receiveOne() throws {
      let reply = try client.receiveReply()
      inFlight -= 1
      guard reply.ok else {
        throw BenchmarkError(
          "\(what) failed: \(reply.errorCodeName ?? "?"): \(reply.errorMessage ?? "")")
      }
    }
    for request in requests {
      try client.send(request)
      inFlight += 1
      if inFlight >= Self.window { try receiveOne() }
    }
    while inFlight > 0 { try receiveOne() }
  }
}
