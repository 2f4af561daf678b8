import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import ChannelCastServer
import Foundation
import Testing

/// The metrics listener, through HTTP against an in-process daemon.
@Suite struct MetricsEndpointTests {
  @Test func aBroadcastToNSubscribersGrowsTheDeliveriesCounterByN() throws {
    try withDaemon { daemon in
      let address = try #require(daemon.daemon.metricsAddress)
      let client = try daemon.client()
      let consumer = try daemon.consumer()
      try client.expectOK(.createOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_metrics")
        $0.add("ownerUserID", "owner")
        $0.add("officialAccountName", "Metrics")
      }
      let users = (0..<250).map { "metrics-user-\($0)" }
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_metrics")
        var list = JSONArrayWriter()
        for user in users { list.append(user) }
        $0.add("userIDList", array: list)
      }
      for _ in users { _ = try #require(try consumer.receive(timeoutMilliseconds: 5000)) }
      let before = try Self.deliveriesSent(address)

      try client.expectOK(.sendMessage) {
        $0.add("officialAccountID", "@TOA#_metrics")
        $0.add("payload", rawJSON: Array("1".utf8))
      }
      for _ in users { _ = try #require(try consumer.receive(timeoutMilliseconds: 5000)) }

      #expect(try Self.deliveriesSent(address) - before == Double(users.count))
      let text = try #require(HTTPGet.get("/metrics", from: address)).body
      #expect(text.contains(#"channelcast_commands_total{op="sendMessage",code="ok"} 1"#))
      #expect(HTTPGet.sample(#"channelcast_events_total{type="message"}"#, in: text) == 1)
      #expect(HTTPGet.sample("channelcast_ready", in: text) == 1)
      #expect(text.contains("channelcast_fanout_duration_seconds_bucket"))
      #expect(text.contains(#"channelcast_shard_queue_depth{shard="0"}"#))
    }
  }

  @Test func healthAndReadinessAnswerOnceServing() throws {
    try withDaemon { daemon in
      let address = try #require(daemon.daemon.metricsAddress)
      #expect(HTTPGet.get("/healthz", from: address)?.status == 200)
      #expect(HTTPGet.get("/readyz", from: address)?.status == 200)
      #expect(HTTPGet.get("/nothing", from: address)?.status == 404)
    }
  }

  private static func deliveriesSent(_ address: String) throws -> Double {
    let text = try #require(HTTPGet.get("/metrics", from: address)).body
    return try #require(HTTPGet.sample("channelcast_deliveries_sent_total", in: text))
  }
}
