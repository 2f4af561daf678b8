import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import Testing

/// sendMessage, sendMessageToOfficialAccount, recallMessages and getHistory, through the real
/// sockets.
@Suite struct MessageOperationTests {
  /// A channel with alice (acceptAndNotify), bob (acceptNotNotify) and carol (discard).
  private func channelWithThreeFlags(_ client: ChannelCastClient) throws {
    try client.createChannel("@TOA#_news")
    for (user, flag) in [
      ("alice", "acceptAndNotify"), ("bob", "acceptNotNotify"), ("carol", "discard"),
    ] {
      try client.subscribe(user, to: "@TOA#_news")
      try client.expectOK(.setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", user)
        $0.add("msgFlag", flag)
      }
    }
  }

  @Test func sendMessageDeliversByFlagWithThePayloadBytesUnchanged() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try channelWithThreeFlags(client)
      let consumer = try daemon.consumer(users: ["alice", "bob", "carol"])
      let payload = "{ \"text\" : \"héllo\",\n \"n\": 1.50e2 }"
      let sent = try client.broadcast("@TOA#_news", payload: payload)
      #expect(sent["recipientCount"] as? Int == 2)
      #expect(sent["seq"] as? Int == 1)
      let msgKey = try #require(sent["msgKey"] as? String)
      var byUser: [String: [UInt8]] = [:]
      for _ in 0..<2 {
        let delivery = try #require(try consumer.receive(timeoutMilliseconds: 5000))
        byUser[String(decoding: delivery.userID, as: UTF8.self)] = delivery.envelope
      }
      try consumer.expectSilence()
      let alice = try JSON.object(try #require(byUser["alice"]))
      #expect(alice["type"] as? String == "message")
      #expect(alice["notify"] as? Bool == true)
      #expect(alice["msgKey"] as? String == msgKey)
      #expect(alice["officialAccountID"] as? String == "@TOA#_news")
      #expect(alice["sendTimeMs"] as? Int == sent["sendTimeMs"] as? Int)
      let bob = try JSON.object(try #require(byUser["bob"]))
      #expect(bob["notify"] as? Bool == false)
      // The payload is spliced byte for byte, whitespace and number spelling included.
      let envelope = String(decoding: try #require(byUser["alice"]), as: UTF8.self)
      #expect(envelope.hasSuffix("\"payload\":\(payload)}"))
    }
  }

  @Test func sendMessageUpdatesTheChannelsLastMessageTimeAndSeq() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      let first = try client.broadcast("@TOA#_news", payload: "1")
      let second = try client.broadcast("@TOA#_news", payload: "2")
      #expect((second["sendTimeMs"] as? Int ?? 0) >= (first["sendTimeMs"] as? Int ?? 0))
      #expect(first["msgKey"] as? String != second["msgKey"] as? String)
      let info = try client.expectOK(.getOfficialAccountsInfo) {
        $0.add("officialAccountIDList", rawJSON: Array("[\"@TOA#_news\"]".utf8))
      }
      let account =
        ((info["results"] as? [[String: Any]])?.first?["officialAccountInfo"]) as? [String: Any]
      #expect(account?["lastSeq"] as? Int == 2)
      #expect(account?["lastMessageTime"] as? Int == (second["sendTimeMs"] as? Int ?? 0) / 1000)
    }
  }

  @Test func aRetriedClientMsgIDGetsTheFirstReplyAndBroadcastsNothing() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.subscribe("alice", to: "@TOA#_news")
      let consumer = try daemon.consumer(users: ["alice"])
      func send(_ payload: String) throws -> ChannelCastClient.Reply {
        try client.call(.sendMessage) {
          $0.add("officialAccountID", "@TOA#_news")
          $0.add("clientMsgID", "publisher-1")
          $0.add("payload", rawJSON: Array(payload.utf8))
        }
      }
      let first = try send("{\"a\":1}")
      let retry = try send("{\"a\":1}")
      #expect(first.ok && retry.ok)
      #expect(
        try JSON.object(first.raw)["result"] as? NSDictionary == JSON.object(retry.raw)["result"]
          as? NSDictionary)
      #expect(try consumer.receive(1).count == 1)
      try consumer.expectSilence()
      let conflicting = try send("{\"a\":2}")
      #expect(conflicting.errorCode == .duplicate)
      let details = try JSON.object(conflicting.raw)["error"] as? [String: Any]
      let firstKey = (try JSON.object(first.raw)["result"] as? [String: Any])?["msgKey"] as? String
      #expect((details?["details"] as? [String: Any])?["msgKey"] as? String == firstKey)
    }
  }

  @Test func aPayloadOverTheLimitIsRefusedWithTheLimit() throws {
    try withDaemon(setting: \.limits.maxPayloadBytes, to: 100) { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      let payload = "\"" + String(repeating: "x", count: 99) + "\""  // 101 bytes
      let error = try client.expectError(.invalidArgument, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("payload", rawJSON: Array(payload.utf8))
      }
      let details = try #require(error["details"] as? [String: Any])
      #expect(details["field"] as? String == "payload")
      #expect(details["limit"] as? Int == 100)
      #expect(details["size"] as? Int == 101)
      try client.expectError(.invalidArgument, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_news")
      }
    }
  }

  @Test func aSubscriberMessageReachesTheOwnerOnly() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_shop", owner: "shopkeeper")
      try client.subscribe("alice", to: "@TOA#_shop")
      let consumer = try daemon.consumer(users: ["shopkeeper", "alice"])
      let sent = try client.expectOK(.sendMessageToOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_shop")
        $0.add("userID", "alice")
        $0.add("payload", rawJSON: Array("{\"q\":\"open?\"}".utf8))
      }
      let delivery = try #require(consumer.receive(1).first)
      #expect(delivery.0 == "shopkeeper")
      #expect(delivery.1["type"] as? String == "subscriberMessage")
      #expect(delivery.1["fromUserID"] as? String == "alice")
      #expect(delivery.1["msgKey"] as? String == sent["msgKey"] as? String)
      #expect((delivery.1["payload"] as? [String: Any])?["q"] as? String == "open?")
      try consumer.expectSilence()
      try client.expectError(.permissionDenied, .sendMessageToOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_shop")
        $0.add("userID", "mallory")
        $0.add("payload", rawJSON: Array("1".utf8))
      }
    }
  }

  @Test func recallTellsSubscribersAndLeavesATombstone() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try channelWithThreeFlags(client)
      let sent = try client.broadcast("@TOA#_news", payload: "{\"oops\":true}")
      let msgKey = try #require(sent["msgKey"] as? String)
      let consumer = try daemon.consumer(users: ["alice", "bob", "carol"])
      let reply = try client.expectOK(.recallMessages) {
        $0.add("officialAccountID", "@TOA#_news")
        var keys = JSONArrayWriter()
        keys.append(msgKey)
        keys.append("no-such-key")
        $0.add("msgKeys", array: keys)
        $0.add("reason", "typo")
      }
      let results = try #require(reply["results"] as? [[String: Any]])
      #expect(results.map { $0["resultCode"] as? String } == ["ok", "not_found"])
      let events = try consumer.receive(2)
      #expect(Set(events.map(\.0)) == ["alice", "bob"])  // carol discards
      for (_, event) in events {
        #expect(event["type"] as? String == "messageRecalled")
        #expect(event["seq"] as? Int == 2)
        #expect(event["msgKey"] as? String == msgKey)
        #expect(event["reason"] as? String == "typo")
      }
      try consumer.expectSilence()

      let again = try client.expectOK(.recallMessages) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("msgKeys", rawJSON: Array("[\"\(msgKey)\"]".utf8))
      }
      #expect((again["results"] as? [[String: Any]])?.first?["resultCode"] as? String == "ok")
      try consumer.expectSilence()

      let history = try client.expectOK(.getHistory) { $0.add("officialAccountID", "@TOA#_news") }
      let messages = try #require(history["messages"] as? [[String: Any]])
      #expect(messages.count == 2)  // the tombstone and one messageRecalled entry
      #expect(messages[0]["type"] as? String == "message")
      #expect(messages[0]["recalled"] as? Bool == true)
      #expect(messages[0]["payload"] == nil)
      #expect(messages[0]["msgKey"] as? String == msgKey)
      #expect(messages[1]["type"] as? String == "messageRecalled")
      #expect(history["lastSeq"] as? Int == 2)
    }
  }

  @Test func recallRefusesMoreThanTenKeys() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.expectError(.invalidArgument, .recallMessages) {
        $0.add("officialAccountID", "@TOA#_news")
        var keys = JSONArrayWriter()
        for number in 0...10 { keys.append("k\(number)") }
        $0.add("msgKeys", array: keys)
      }
    }
  }

  @Test func aConsumerRecoversASeqGapThroughGetHistory() throws {
    try withDaemon(setting: \.limits.historySize, to: 5) { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.subscribe("alice", to: "@TOA#_news")
      // alice's gateway saw seq 1, then was away for seq 2...7.
      for number in 1...7 { try client.broadcast("@TOA#_news", payload: "\(number)") }
      try client.expectOK(.setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("introduction", "now with more news")
      }
      let history = try client.expectOK(.getHistory) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("afterSeq", 1)
        $0.add("userID", "alice")
      }
      #expect(history["lastSeq"] as? Int == 8)
      #expect(history["oldestSeq"] as? Int == 4)  // seq 2 and 3 are older than what is kept
      let messages = try #require(history["messages"] as? [[String: Any]])
      #expect(messages.compactMap { $0["seq"] as? Int } == [4, 5, 6, 7, 8])
      #expect(
        messages.dropLast().allSatisfy { $0["type"] as? String == "message" && $0["notify"] == nil }
      )
      #expect(messages.dropLast().compactMap { $0["payload"] as? Int } == [4, 5, 6, 7])
      #expect(messages.last?["type"] as? String == "officialAccountInfoChanged")

      let page = try client.expectOK(.getHistory) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("afterSeq", 5)
        $0.add("limit", 2)
      }
      #expect((page["messages"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } == [6, 7])
      try client.expectError(.permissionDenied, .getHistory) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "mallory")
      }
    }
  }

  @Test func historyRetentionHonoursTheByteLimit() throws {
    try withDaemon(setting: \.limits.historyMaxBytes, to: 400) { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      for _ in 1...10 {
        try client.broadcast(
          "@TOA#_news", payload: "\"" + String(repeating: "y", count: 100) + "\"")
      }
      let history = try client.expectOK(.getHistory) { $0.add("officialAccountID", "@TOA#_news") }
      let kept = (history["messages"] as? [Any])?.count ?? 0
      #expect(kept >= 1 && kept < 10)
      #expect(history["oldestSeq"] as? Int == 11 - kept)
    }
  }
}
