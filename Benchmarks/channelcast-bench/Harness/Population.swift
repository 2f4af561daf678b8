import ChannelCastClient
import ChannelCastCore
import ZeroMQ

/// Fills a daemon with channels and subscribers quickly: batch subscribes (1000 users per
/// request), pipelined over one DEALER.
struct Population {
  /// Requests in flight before waiting for replies.
  static let window = 16

  let client: ChannelCastClient

  init(commandEndpoint: String, context: ZMQContext) throws {
    client = try ChannelCastClient(
      endpoint: commandEndpoint, context: context, timeoutMilliseconds: 120_000)
  }

  /// Calls one op and throws unless it succeeded.
  @discardableResult
  func call(_ op: String, _ fill: (inout JSONObjectWriter) -> Void = { _ in }) throws
    -> ChannelCastClient.Reply
  {
    let reply = try client.call(op, fill)
    guard reply.ok else {
      throw BenchmarkError(
        "\(op) failed: \(reply.errorCode ?? "?"): \(reply.errorMessage ?? "")")
    }
    return reply
  }

  func createChannel(_ id: String, maxSubscriberCount: Int) throws {
    try call("createOfficialAccount") {
      $0.add("officialAccountID", id)
      $0.add("ownerUserID", "bench-owner")
      $0.add("officialAccountName", "bench \(id)")
      $0.add("maxSubscriberCount", maxSubscriberCount)
    }
  }

  /// Subscribes every user to the channel, 1000 per request, `window` requests in flight.
  func subscribe(_ users: some Sequence<String>, to channel: String) throws {
    var inFlight = 0
    var batch: [String] = []
    func flush() throws {
      guard !batch.isEmpty else { return }
      let request = client.request("subscribeOfficialAccount") {
        $0.add("officialAccountID", channel)
        var list = JSONArrayWriter(reservingCapacity: batch.count * 12)
        for user in batch { list.append(user) }
        $0.add("userIDList", array: list)
      }
      try client.send(request)
      inFlight += 1
      batch.removeAll(keepingCapacity: true)
      if inFlight >= Self.window {
        try expectSuccess(client.receiveReply())
        inFlight -= 1
      }
    }
    for user in users {
      batch.append(user)
      if batch.count == 1000 { try flush() }
    }
    try flush()
    while inFlight > 0 {
      try expectSuccess(client.receiveReply())
      inFlight -= 1
    }
  }

  private func expectSuccess(_ reply: ChannelCastClient.Reply) throws {
    guard reply.ok else {
      throw BenchmarkError(
        "subscribe failed: \(reply.errorCode ?? "?"): \(reply.errorMessage ?? "")")
    }
  }
}
