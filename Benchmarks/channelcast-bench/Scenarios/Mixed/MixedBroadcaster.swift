import ChannelCastClient
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// The mixed scenario's publisher: sends broadcasts at a fixed rate to channels picked
/// uniformly, pipelined over its own DEALER, whatever the replies do (an open loop, so a slow
/// daemon shows up as latency instead of slowing the load down).
///
/// Each payload carries its scheduled send time, not the moment the sender got round to it, so
/// a sender that falls behind does not hide the delay; the largest such lag is reported.
struct MixedBroadcaster {
  /// One broadcast as the sender saw it (monotonic nanoseconds).
  struct Broadcast {
    let channel: Int
    let requested: UInt64
    var replied: UInt64 = 0
    var seq = 0
    var recipientCount = 0
  }

  struct Outcome {
    var broadcasts: [Broadcast]
    var largestLagNanoseconds: UInt64
  }

  let commandEndpoint: String
  let context: ZMQContext
  /// Set when the daemon requires CURVE.
  let curve: CurveClientCredentials?
  let channelIDs: [String]
  let rate: Double
  let duration: Double

  /// Sends `rate × duration` broadcasts and waits for every reply.
  func run(picking generator: inout SeededGenerator, deadline: Deadline) throws -> Outcome {
    // A zero timeout makes receiving a poll: the loop never blocks past a scheduled send.
    let client = try ChannelCastClient(
      endpoint: commandEndpoint, context: context, timeoutMilliseconds: 0, curve: curve)
    let total = max(1, Int(rate * duration))
    let interval = 1e9 / rate
    var broadcasts: [Broadcast] = []
    broadcasts.reserveCapacity(total)
    var broadcastByRequestID: [Int64: Int] = [:]
    var replies = 0
    var largestLag: UInt64 = 0
    let start = MonotonicClock.nanoseconds()
    let wallStart = WallClock.microseconds()
    while replies < total {
      try deadline.check()
      let now = MonotonicClock.nanoseconds()
      let due = start + UInt64(Double(broadcasts.count) * interval)
      if broadcasts.count < total, now >= due {
        let channel = Int.random(in: 0..<channelIDs.count, using: &generator)
        let sendTime = wallStart + Int64(Double(broadcasts.count) * interval / 1000)
        let request = client.request(.sendMessage) {
          $0.add("officialAccountID", channelIDs[channel])
          $0.add("payload", rawJSON: Array(#"{"t":\#(sendTime),"c":\#(channel)}"#.utf8))
        }
        guard let id = try JSONParser.parseObject(request)["id"]?.int64Value else {
          throw BenchmarkError("the client made a sendMessage request without a numeric id")
        }
        broadcastByRequestID[id] = broadcasts.count
        try client.send(request)
        broadcasts.append(Broadcast(channel: channel, requested: now))
        largestLag = max(largestLag, now - due)
        continue
      }
      if let reply = try Self.pendingReply(of: client) {
        guard reply.ok, let id = reply.id?.int64Value, let index = broadcastByRequestID[id],
          let result = reply.result?.objectMembers,
          let seq = result["seq"]?.int64Value,
          let recipientCount = result["recipientCount"]?.int64Value
        else {
          throw BenchmarkError(
            "sendMessage failed: \(reply.errorCodeName ?? "unexpected reply"): "
              + "\(reply.errorMessage ?? String(decoding: reply.raw, as: UTF8.self))")
        }
        broadcasts[index].replied = MonotonicClock.nanoseconds()
        broadcasts[index].seq = Int(seq)
        broadcasts[index].recipientCount = Int(recipientCount)
        replies += 1
        continue
      }
      // Nothing to do yet: nap briefly, so a reply's time is known to within 50 µs.
      let untilDue = broadcasts.count < total && due > now ? due - now : 50_000
      usleep(UInt32(min(untilDue, 50_000) / 1000))
    }
    return Outcome(broadcasts: broadcasts, largestLagNanoseconds: largestLag)
  }

  /// The next reply if one has arrived, else nil.
  private static func pendingReply(of client: ChannelCastClient) throws
    -> ChannelCastClient.Reply?
  {
    do {
      return try client.receiveReply()
    } catch ClientError.timedOut {
      return nil
    }
  }
}
