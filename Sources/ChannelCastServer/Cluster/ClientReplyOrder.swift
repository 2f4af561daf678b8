/// The replies of a cluster node to its clients, in the order of each client's requests, as
/// from a single daemon: a reply to a client that still waits for the reply to a request the
/// node forwarded to another node goes out after it.
///
/// Ownership: the command thread.
struct ClientReplyOrder {
  /// A client connection: the routing frames its replies go out after.
  struct Client: Hashable {
    let routingFrames: [[UInt8]]

    init(_ routingFrames: some Sequence<ArraySlice<UInt8>>) {
      self.routingFrames = routingFrames.map(Array.init)
    }
  }

  private enum Reply {
    case waiting(token: UInt64)
    case ready([UInt8])
  }

  /// The replies of each client with a forwarded request outstanding, in request order.
  private var held: [Client: [Reply]] = [:]
  /// Replies ready to go out, in order.
  private var ready = RunReplies()

  /// A request of `client` was forwarded under `token`: its later replies wait for this one.
  mutating func forwarded(_ token: UInt64, for client: Client) {
    held[client, default: []].append(.waiting(token: token))
  }

  /// Holds a reply for a client that waits for a forwarded request's reply; returns false
  /// (the caller sends it at once) when the client waits for none.
  mutating func hold(_ reply: [UInt8], for routingFrames: some Sequence<ArraySlice<UInt8>>)
    -> Bool
  {
    guard !held.isEmpty else { return false }
    let client = Client(routingFrames)
    guard held[client] != nil else { return false }
    held[client]!.append(.ready(reply))
    return true
  }

  /// The reply to the request forwarded under `token` came (or its time ran out): what of its
  /// client's replies is now first in line becomes ready.
  mutating func complete(_ token: UInt64, with reply: [UInt8], for client: Client) {
    guard var replies = held[client],
      let index = replies.firstIndex(where: {
        if case .waiting(token) = $0 { true } else { false }
      })
    else { return }
    replies[index] = .ready(reply)
    var readied = 0
    for entry in replies {
      guard case .ready(let body) = entry else { break }
      ready.append(body, after: client.routingFrames.lazy.map { $0[...] })
      readied += 1
    }
    replies.removeFirst(readied)
    held[client] = replies.isEmpty ? nil : replies
  }

  /// Sends the ready replies, in order, and forgets them.
  mutating func sendReady(
    _ send: (_ routingFrames: [UnsafeRawBufferPointer], _ body: [UInt8]) -> Void
  ) {
    ready.sendAll(send)
  }
}
