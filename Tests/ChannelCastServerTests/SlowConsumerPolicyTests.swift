import ChannelCastClient
import ChannelCastCore
import Foundation
import Testing

/// The `drop` policy: a consumer that stops reading loses deliveries, each counted, while the
/// daemon's queues stay empty; it sees the seq gaps and recovers every message with getHistory.
/// (`block`, the default, is `FanOutIntegrationTests`' slow consumer that receives everything.)
@Suite struct SlowConsumerPolicyTests {
  @Test func aConsumerThatStopsReadingLosesDeliveriesAndRecoversThemFromHistory() throws {
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .drop
      $0.deliveryHighWaterMark = 50
      $0.limits.historySize = 5000
    }
    defer { daemon.stop() }
    let client = try daemon.client()
    let consumer = try daemon.consumer(users: ["reader"], receiveHighWaterMark: 50)
    try client.createChannel("@TOA#_drop")
    try client.expectOK("subscribeOfficialAccount") {
      $0.add("officialAccountID", "@TOA#_drop")
      $0.add("userID", "reader")
    }
    _ = try #require(try consumer.receive(timeoutMilliseconds: 5000))  // the subscribed event

    let sent = 2000
    for number in 0..<sent {
      try client.expectOK("sendMessage") {
        $0.add("officialAccountID", "@TOA#_drop")
        $0.add("payload", rawJSON: Array(String(number).utf8))
      }
    }
    // Nothing waits for the consumer that is not reading: the shards' queues empty at once.
    var stats: [String: Any] = [:]
    for _ in 0..<200 {
      stats = try client.expectOK("stats")
      if (stats["shardQueueDepths"] as? [Int])?.allSatisfy({ $0 == 0 }) == true { break }
      usleep(10_000)
    }
    #expect((stats["shardQueueDepths"] as? [Int])?.allSatisfy { $0 == 0 } == true)
    let dropped = stats["deliveriesDropped"] as? Int ?? 0
    #expect(dropped > 0)

    // The consumer reads what reached it, sees the gaps, and fills them from the history.
    var seen = Set<Int>()
    while let delivery = try consumer.receive(timeoutMilliseconds: 500) {
      let envelope = try JSON.object(delivery.envelope)
      if let seq = envelope["seq"] as? Int { seen.insert(seq) }
    }
    #expect(seen.count < sent)
    #expect(seen.count + dropped == sent)
    var afterSeq = 0
    while afterSeq < sent {
      let page = try client.expectOK("getHistory") {
        $0.add("officialAccountID", "@TOA#_drop")
        $0.add("userID", "reader")
        $0.add("afterSeq", afterSeq)
        $0.add("limit", 100)
      }
      let messages = page["messages"] as? [[String: Any]] ?? []
      try #require(!messages.isEmpty)
      for message in messages { seen.insert(message["seq"] as? Int ?? -1) }
      afterSeq = messages.last?["seq"] as? Int ?? sent
    }
    #expect(seen == Set(1...sent))
  }
}
