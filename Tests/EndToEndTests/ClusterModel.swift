import ChannelCastClient
import Foundation
import Testing
import ZeroMQ

/// What the fault tests hold a cluster to: every `ok` reply a publisher got, checked against the
/// channel's history, subscriber count and deliveries after the fault.
///
/// Messages are sent with a `clientMsgID` each and sent again with it while the cluster
/// answers `unavailable`, times out or does not answer, so that a message acknowledged once is
/// the one the channel keeps.
final class ClusterModel {
  let channel: String
  let subscribers: [String]
  /// seq → msgKey of every message acknowledged.
  private(set) var acknowledged: [Int: String] = [:]
  /// The errors the publisher saw before its messages were acknowledged, by code.
  private(set) var retriedErrors: [String: Int] = [:]
  /// The seqs each node sent each subscriber, in the order of their first delivery from it.
  private var seen: [Int: [String: [Int]]] = [:]
  private var firstFromNode: [Int: [String: Set<Int>]] = [:]
  /// The seqs each subscriber received from any node.
  private var firstSeen: [String: Set<Int>] = [:]
  /// Deliveries of a message a subscriber had already received.
  private(set) var repeats = 0

  init(channel: String, subscribers: [String]) {
    self.channel = channel
    self.subscribers = subscribers
  }

  /// Sends message `number` (payload `{"n": number}`, clientMsgID `m<number>`) until it is
  /// acknowledged, through `endpoints`, for up to `seconds`; returns its seq.
  @discardableResult
  func send(_ number: Int, through endpoints: String, seconds: Double = 60) async throws -> Int {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      // A fresh client each try: a reply that came too late must not answer the next request.
      let client = try ChannelCastClient(
        endpoint: endpoints, context: .endToEndTests, timeoutMilliseconds: 6000)
      do {
        let reply = try client.callJSON(
          "sendMessage",
          ["officialAccountID": channel, "payload": ["n": number], "clientMsgID": "m\(number)"])
        if reply.ok, let seq = reply.result["seq"] as? Int,
          let key = reply.result["msgKey"] as? String
        {
          if let earlier = acknowledged[seq] {
            #expect(earlier == key, "seq \(seq) acknowledged for two messages")
          }
          acknowledged[seq] = key
          return seq
        }
        retriedErrors[reply.errorCode ?? "?", default: 0] += 1
        #expect(
          ["unavailable", "internal", "overloaded"].contains(reply.errorCode ?? ""),
          "\(reply)")
      } catch {
        retriedErrors["no reply", default: 0] += 1
      }
      try await Task.sleep(for: .milliseconds(200))
    }
    throw UnexpectedReply(description: "message \(number) was not acknowledged in \(seconds) s")
  }

  /// Records a message acknowledged to another publisher.
  func record(seq: Int, msgKey: String) {
    #expect(
      acknowledged[seq] == nil || acknowledged[seq] == msgKey, "seq \(seq) acknowledged twice")
    acknowledged[seq] = msgKey
  }

  /// Checks the channel as the cluster answers now: seqs 1...n gap-free, each acknowledged
  /// message in the history with its msgKey, and the subscriber count.
  func checkChannel(through endpoints: String) throws {
    let seqs = acknowledged.keys.sorted()
    #expect(seqs == Array(1...max(1, seqs.count)), "acknowledged seqs \(seqs)")
    let client = try ChannelCastClient(
      endpoint: endpoints, context: .endToEndTests, timeoutMilliseconds: 10_000)
    let history = try client.resultOf(
      "getHistory", ["officialAccountID": channel, "afterSeq": 0, "limit": 100])
    let entries = (history["messages"] as? [[String: Any]]) ?? []
    let kept = Dictionary(
      uniqueKeysWithValues: entries.compactMap { entry in
        (entry["seq"] as? Int).map { ($0, entry["msgKey"] as? String ?? "") }
      })
    for (seq, key) in acknowledged {
      #expect(kept[seq] == key, "acknowledged message \(seq) (\(key)) is not in the history")
    }
    #expect(history["lastSeq"] as? Int == seqs.last)
    let info = try client.resultOf("getOfficialAccountsInfo", ["officialAccountIDList": [channel]])
    let result =
      ((info["results"] as? [[String: Any]])?.first?["officialAccountInfo"])
      as? [String: Any]
    #expect(result?["subscriberCount"] as? Int == subscribers.count)
  }

  /// Reads deliveries, one consumer per node, until every subscriber has every acknowledged
  /// message (at least once), for up to `seconds`; checks that what each node delivered to
  /// each subscriber came in seq order (leaving out repeats). Across nodes there is no order:
  /// a consumer reads its connections in turn.
  /// Returns the subscribers still missing messages, for the caller's diagnostics.
  @discardableResult
  func checkDeliveries(_ consumers: [DeliveryConsumer], seconds: Double = 60) throws -> [String] {
    let wanted = Set(acknowledged.keys)
    var complete = Set(subscribers.filter { (firstSeen[$0] ?? []).isSuperset(of: wanted) })
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while complete.count < subscribers.count, ContinuousClock.now < deadline {
      var quiet = true
      for (node, consumer) in consumers.enumerated() {
        while let delivery = try consumer.receive(timeoutMilliseconds: 0) {
          quiet = false
          let user = String(decoding: delivery.userID, as: UTF8.self)
          let envelope =
            try JSONSerialization.jsonObject(with: Data(delivery.envelope)) as? [String: Any]
          guard envelope?["type"] as? String == "message", let seq = envelope?["seq"] as? Int
          else { continue }
          if firstFromNode[node, default: [:]][user, default: []].insert(seq).inserted {
            seen[node, default: [:]][user, default: []].append(seq)
          }
          if firstSeen[user, default: []].insert(seq).inserted {
            if firstSeen[user]!.isSuperset(of: wanted) { complete.insert(user) }
          } else {
            repeats += 1
          }
        }
      }
      if quiet { usleep(50_000) }
    }
    let missing = subscribers.filter { !(firstSeen[$0] ?? []).isSuperset(of: wanted) }
    let examples = missing.prefix(3).map { "\($0) has \((firstSeen[$0] ?? []).sorted())" }
    #expect(
      missing.count == 0,
      "\(missing.count) subscribers miss messages of \(wanted.sorted()), such as \(examples)")
    for (node, users) in seen {
      for (user, seqs) in users where seqs != seqs.sorted() {
        Issue.record("node \(node) sent \(user) messages out of order: \(seqs)")
        return missing
      }
    }
    return missing
  }
}
