import ChannelCastClient
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// How long a channel cannot take messages when the node owning its partition dies: kills that
/// node with SIGKILL and sends `sendMessage` (with a `clientMsgID`, so that a message sent
/// again is the same message) through the two others until one answers ok.
struct TakeoverMeasurement {
  /// The time from the kill to the first ok reply, and what the tries before it got.
  struct Outcome {
    let seconds: Double
    let tries: Int
    /// Error codes, and "no reply", by how often they came.
    let retried: [String: Int]

    var retriedDescription: String {
      retried.isEmpty
        ? "none"
        : retried.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
          .joined(separator: ", ")
    }
  }

  /// Errors a request gets while a takeover is under way, which call for sending it again.
  private static let retriedCodes: Set<String> = ["unavailable", "overloaded", "internal"]

  let channel: String
  /// How long one try waits for its reply; a try without one is sent again from a fresh
  /// client (a late reply must not answer the next try).
  let replyTimeoutMilliseconds: Int

  func measure(
    killing owner: Int, of cluster: ClusterUnderTest, context: ZMQContext, deadline: Deadline
  ) throws -> Outcome {
    let survivors = cluster.commandEndpoints(except: owner)
    let killed = try cluster.nodes[owner].killAbruptly()
    var client: ChannelCastClient?
    var tries = 0
    var retried: [String: Int] = [:]
    while true {
      if deadline.hasPassed {
        throw BenchmarkError(
          "\(deadline.what): no ok reply within \(Int(deadline.seconds)) s of the kill "
            + "(\(tries) tries: \(Outcome(seconds: 0, tries: tries, retried: retried).retriedDescription))"
        )
      }
      let connection =
        try client
        ?? ChannelCastClient(
          endpoint: survivors, context: context, timeoutMilliseconds: replyTimeoutMilliseconds)
      client = connection
      tries += 1
      do {
        let reply = try connection.call(.sendMessage) {
          $0.add("officialAccountID", channel)
          $0.add("payload", rawJSON: Array(#"{"text":"after the takeover"}"#.utf8))
          $0.add("clientMsgID", "bench-takeover")
        }
        if reply.ok {
          return Outcome(
            seconds: MonotonicClock.seconds(since: killed), tries: tries, retried: retried)
        }
        let code = reply.errorCodeName ?? "?"
        guard Self.retriedCodes.contains(code) else {
          throw BenchmarkError(
            "sendMessage after the kill failed: \(code): \(reply.errorMessage ?? "")")
        }
        retried[code, default: 0] += 1
      } catch ClientError.timedOut(let milliseconds) {
        retried["no reply within \(milliseconds) ms", default: 0] += 1
        client = nil
      }
      usleep(50_000)
    }
  }
}
