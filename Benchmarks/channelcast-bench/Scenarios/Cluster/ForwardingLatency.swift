import ChannelCastClient
import ChannelCastProtocol
import ZeroMQ

/// `sendMessage` round trips to one channel through the node that owns its partition and
/// through one that does not (which forwards the request to the owner and its reply back):
/// what forwarding adds to a request.
///
/// The two clients take turns, one request at a time (each sent once the previous reply is
/// in), so that both see the same moments of the machine.
struct ForwardingLatency {
  /// Percentiles of each path's round trips, in milliseconds.
  struct Outcome {
    let ownerP50: Double
    let ownerP99: Double
    let forwardedP50: Double
    let forwardedP99: Double

    func record(into recorder: inout RunRecorder) {
      recorder.record("sendMessage p50, through the owner", ownerP50, unit: "ms")
      recorder.record("sendMessage p99, through the owner", ownerP99, unit: "ms")
      recorder.record("sendMessage p50, through a non-owner (forwarded)", forwardedP50, unit: "ms")
      recorder.record("sendMessage p99, through a non-owner (forwarded)", forwardedP99, unit: "ms")
      recorder.record("forwarded / owner, p50", forwardedP50 / ownerP50, unit: "×")
      recorder.record("forwarded / owner, p99", forwardedP99 / ownerP99, unit: "×")
    }
  }

  let channel: String
  let ownerEndpoint: String
  let nonOwnerEndpoint: String
  /// Requests through each of the two.
  let requests: Int

  func measure(context: ZMQContext, deadline: Deadline) throws -> Outcome {
    let paths = [
      (name: "owner", client: try ChannelCastClient(endpoint: ownerEndpoint, context: context)),
      (
        name: "non-owner",
        client: try ChannelCastClient(endpoint: nonOwnerEndpoint, context: context)
      ),
    ]
    var nanoseconds: [[UInt64]] = [[], []]
    for number in 0..<requests {
      if number % 64 == 0 { try deadline.check() }
      for (index, path) in paths.enumerated() {
        // A payload of its own for each: the daemon refuses a repeated payload as duplicate.
        let payload = Array("{\"n\":\(number),\"via\":\"\(path.name)\"}".utf8)
        let request = path.client.request(.sendMessage) {
          $0.add("officialAccountID", channel)
          $0.add("payload", rawJSON: payload)
        }
        let start = MonotonicClock.nanoseconds()
        try path.client.send(request)
        let reply = try path.client.receiveReply()
        nanoseconds[index].append(MonotonicClock.nanoseconds() - start)
        guard reply.ok else {
          throw BenchmarkError(
            "sendMessage through the \(path.name) failed: \(reply.errorCodeName ?? "?"): "
              + (reply.errorMessage ?? ""))
        }
      }
    }
    return Outcome(
      ownerP50: Self.milliseconds(nanoseconds[0], atPercentile: 50),
      ownerP99: Self.milliseconds(nanoseconds[0], atPercentile: 99),
      forwardedP50: Self.milliseconds(nanoseconds[1], atPercentile: 50),
      forwardedP99: Self.milliseconds(nanoseconds[1], atPercentile: 99))
  }

  /// The nearest-rank percentile of `values`, in milliseconds.
  private static func milliseconds(_ values: [UInt64], atPercentile percentile: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((Double(sorted.count) * percentile / 100).rounded(.up))
    return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1e6
  }
}
