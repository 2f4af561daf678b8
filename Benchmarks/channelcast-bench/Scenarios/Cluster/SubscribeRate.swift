import ChannelCastProtocol
import ZeroMQ

/// Single-user `subscribeOfficialAccount` requests per second from pipelining clients
/// (`PipelinedSubscriber`, as the subscribe scenario runs them) at a command endpoint list: the
/// three nodes of the cluster, or the single daemon it is compared with.
struct SubscribeRate {
  /// The rate, and the requests that were not answered ok.
  struct Outcome {
    let perSecond: Double
    let failures: Int
    let firstFailure: String?
  }

  let clients: Int
  /// Requests in all, split evenly among the clients (each user distinct).
  let subscribes: Int
  let window: Int

  /// Creates `channelIDs` through `population`, able to take every user of the measurement.
  func createChannels(_ channelIDs: [String], through population: Population) throws {
    for channel in channelIDs {
      try population.createChannel(channel, maxSubscriberCount: subscribes)
    }
  }

  /// Runs the clients, each its own thread and DEALER connected to `endpoints` (comma-separated:
  /// a DEALER spreads its requests over them), all starting at the same moment; the rate is the
  /// requests sent over the time from that start to the last reply.
  func measure(
    endpoints: String, channelIDs: [String], context: ZMQContext, deadline: Deadline
  ) throws -> Outcome {
    let perClient = subscribes / clients
    let subscribers = (0..<clients).map { client in
      PipelinedSubscriber(
        client: client, op: .subscribeOfficialAccount, users: 0..<perClient,
        channelIDs: channelIDs, window: window, endpoint: endpoints, context: context,
        deadline: deadline)
    }
    for subscriber in subscribers { subscriber.waitUntilConnected() }
    let start = MonotonicClock.nanoseconds()
    for subscriber in subscribers { subscriber.start() }
    let outcomes = try subscribers.map { try $0.finish() }
    let end = outcomes.map(\.finished).max() ?? start
    return Outcome(
      perSecond: Double(clients * perClient) / (Double(end - start) / 1e9),
      failures: outcomes.reduce(0) { $0 + $1.failures },
      firstFailure: outcomes.lazy.compactMap(\.firstFailure).first)
  }
}
