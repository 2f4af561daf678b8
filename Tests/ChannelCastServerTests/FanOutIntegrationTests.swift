import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import Testing

/// Fan-out through the real delivery socket: order per user, back-pressure instead of loss.
@Suite struct FanOutIntegrationTests {
  @Test func everyUserSeesEachChannelsMessagesInSeqOrderAcrossShards() throws {
    try withDaemon(setting: \.shards, to: 4) { daemon in
      let client = try daemon.client()
      let users = (0..<40).map { "user-\($0)" }
      for channel in ["@TOA#_a", "@TOA#_b"] {
        try client.createChannel(channel)
        _ = try client.expectOK(.subscribeOfficialAccount) {
          $0.add("officialAccountID", channel)
          var list = JSONArrayWriter()
          for user in users { list.append(user) }
          $0.add("userIDList", array: list)
        }
      }
      let consumer = try daemon.consumer()
      for number in 1...50 {
        try client.broadcast("@TOA#_a", payload: "\(number)")
        try client.broadcast("@TOA#_b", payload: "\(number)")
      }
      let deliveries = try consumer.receive(40 * 2 * 50)
      var seqs: [String: [Int]] = [:]
      for (user, envelope) in deliveries {
        seqs[user + " " + (envelope["officialAccountID"] as? String ?? "?"), default: []].append(
          envelope["seq"] as? Int ?? -1)
      }
      #expect(seqs.count == 80)
      for (_, sequence) in seqs { #expect(sequence == Array(1...50)) }
    }
  }

  @Test func aSlowConsumerReceivesAll100000DeliveriesOfOneBroadcast() throws {
    try withDaemon(setting: \.deliveryHighWaterMark, to: 1000) { daemon in
      let client = try daemon.client(timeoutMilliseconds: 60_000)
      try client.createChannel("@TOA#_big", maxSubscriberCount: 200_000)
      let count = 100_000
      for batch in stride(from: 0, to: count, by: 1000) {
        let reply = try client.expectOK(.subscribeOfficialAccount) {
          $0.add("officialAccountID", "@TOA#_big")
          var list = JSONArrayWriter()
          for number in batch..<(batch + 1000) { list.append("u\(number)") }
          $0.add("userIDList", array: list)
        }
        #expect((reply["results"] as? [Any])?.count == 1000)
      }
      let consumer = try daemon.consumer(receiveHighWaterMark: 1000)
      // The subscribed events of 100,000 users were sent before the consumer connected.
      let sent = try client.broadcast("@TOA#_big", payload: "{\"big\":true}")
      #expect(sent["recipientCount"] as? Int == count)
      var received = Set<String>()
      while received.count < count {
        guard let delivery = try consumer.receive(timeoutMilliseconds: 10_000) else { break }
        received.insert(String(decoding: delivery.userID, as: UTF8.self))
        if received.count % 10_000 == 0 { usleep(100_000) }  // stall: fan-out must wait, not drop
      }
      #expect(received.count == count)
      let stats = try client.expectOK(.stats)
      #expect(stats["deliveriesDropped"] as? Int == 0)
    }
  }
}
