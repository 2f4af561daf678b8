import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing

/// The event feed (docs/protocol.md, Event feed), through the daemon's real sockets: every
/// journaled change, after the request's reply, numbered by `logSeq`.
@Suite struct EventFeedTests {
  @Test func everyTypeIsPublishedWithItsFieldsAfterTheReply() throws {
    try withEventFeed { daemon in
      let client = try daemon.client()
      let (feed, last) = try daemon.eventSubscriber(client: client)
      var next = last + 1
      func expectNext(_ type: FeedEventType) throws -> ReceivedEvent {
        let event = try #require(feed.receive(1).first)
        #expect(event.topic == type)
        #expect(event.type == type.name)
        #expect(event["v"] as? Int == 1)
        #expect(event.logSeq == next)
        #expect((event["timeMs"] as? Int ?? 0) > 1_700_000_000_000)
        next += 1
        return event
      }

      try client.expectOK(.createOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("ownerUserID", "owner")
        $0.add("officialAccountName", "Feed")
        $0.add("faceUrl", "https://x/f.png")
      }
      let created = try expectNext(.officialAccountCreated)
      #expect(created["officialAccountID"] as? String == "@TOA#_feed")
      let info = created["officialAccountInfo"] as? [String: Any]
      #expect(info?["officialAccountName"] as? String == "Feed")
      #expect(info?["faceUrl"] as? String == "https://x/f.png")
      #expect(info?["ownerUserID"] as? String == "owner")

      try client.subscribe("alice", to: "@TOA#_feed")
      let subscribed = try expectNext(.subscribed)
      #expect(subscribed["userID"] as? String == "alice")
      #expect(subscribed["officialAccountID"] as? String == "@TOA#_feed")
      #expect((subscribed["subscribeTime"] as? Int ?? 0) > 1_700_000_000)

      try client.expectOK(.setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("userID", "alice")
        $0.add("msgFlag", "acceptNotNotify")
      }
      let options = try expectNext(.subscriptionOptionsChanged)
      #expect(options["userID"] as? String == "alice")
      #expect(options["msgFlag"] as? String == "acceptNotNotify")
      #expect(options["customData"] == nil)

      let sent = try client.expectOK(.sendMessage) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("payload", rawJSON: Array(#"{"title":"Hello"}"#.utf8))
        $0.add("clientMsgID", "c-1")
      }
      let message = try expectNext(.messageSent)
      #expect(message["msgKey"] as? String == sent["msgKey"] as? String)
      #expect(message["seq"] as? Int == 1)
      #expect(message["sendTimeMs"] as? Int == sent["sendTimeMs"] as? Int)
      #expect(message["recipientCount"] as? Int == 1)
      #expect(message["clientMsgID"] as? String == "c-1")
      #expect((message["payload"] as? [String: Any])?["title"] as? String == "Hello")

      try client.expectOK(.recallMessages) {
        $0.add("officialAccountID", "@TOA#_feed")
        var keys = JSONArrayWriter()
        keys.append(sent["msgKey"] as? String ?? "")
        $0.add("msgKeys", array: keys)
        $0.add("reason", "typo")
      }
      let recalled = try expectNext(.messagesRecalled)
      #expect(recalled["msgKey"] as? String == sent["msgKey"] as? String)
      #expect(recalled["seq"] as? Int == 2)
      #expect(recalled["messageSeq"] as? Int == 1)
      #expect(recalled["reason"] as? String == "typo")

      try client.expectOK(.setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("introduction", "News")
      }
      let changed = try expectNext(.officialAccountInfoChanged)
      #expect(changed["seq"] as? Int == 3)
      let changedInfo = changed["officialAccountInfo"] as? [String: Any]
      #expect(changedInfo?["introduction"] as? String == "News")
      #expect(changedInfo?["officialAccountName"] as? String == "Feed")

      try client.expectOK(.sendMessageToOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("userID", "alice")
        $0.add("payload", rawJSON: Array("[1,2]".utf8))
      }
      let fromSubscriber = try expectNext(.subscriberMessage)
      #expect(fromSubscriber["fromUserID"] as? String == "alice")
      #expect(fromSubscriber["payload"] as? [Int] == [1, 2])

      try client.expectOK(.unsubscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_feed")
        $0.add("userID", "alice")
      }
      #expect(try expectNext(.unsubscribed)["userID"] as? String == "alice")

      try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", "@TOA#_feed") }
      #expect(
        try expectNext(.officialAccountDeleted)["officialAccountID"] as? String == "@TOA#_feed")
      try feed.expectSilence()
    }
  }

  @Test func aBatchSubscribeIsOneSubscribedEventPerNewUser() throws {
    try withEventFeed { daemon in
      let client = try daemon.client()
      let (feed, last) = try daemon.eventSubscriber(client: client)
      try client.createChannel("@TOA#_batch")
      try client.subscribe("u0", to: "@TOA#_batch")
      _ = try feed.receive(2)
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_batch")
        var list = JSONArrayWriter()
        for user in ["u1", "u0", "u2", "u3"] { list.append(user) }  // u0 already subscribes
        $0.add("userIDList", array: list)
      }
      let events = try feed.receive(3)
      #expect(events.map(\.type) == ["subscribed", "subscribed", "subscribed"])
      #expect(events.map { $0["userID"] as? String } == ["u1", "u2", "u3"])
      #expect(events.map(\.logSeq) == [last + 3, last + 4, last + 5])
      try feed.expectSilence()
    }
  }

  @Test func aRefusedRequestPublishesNothingAndTakesNoLogSeq() throws {
    try withEventFeed { daemon in
      let client = try daemon.client()
      let (feed, last) = try daemon.eventSubscriber(client: client)
      try client.expectError(.notFound, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_missing")
        $0.add("userID", "alice")
      }
      try client.createChannel("@TOA#_refusals")
      try client.expectError(.invalidArgument, .sendMessage) {
        $0.add("officialAccountID", "@TOA#_refusals")
      }
      try client.expectError(.notFound, .unsubscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_refusals")
        $0.add("userID", "nobody")
      }
      try client.broadcast("@TOA#_refusals", payload: "1")
      let events = try feed.receive(2)
      #expect(events.map(\.type) == ["officialAccountCreated", "messageSent"])
      #expect(events.map(\.logSeq) == [last + 1, last + 2])
      try feed.expectSilence()
    }
  }

  @Test func aSubscriberReceivesOnlyTheTypesItSubscribesTo() throws {
    try withEventFeed { daemon in
      let client = try daemon.client()
      let (feed, last) = try daemon.eventSubscriber(
        types: [.subscribed, .messageSent], client: client)
      try client.createChannel("@TOA#_filtered")
      try client.subscribe("alice", to: "@TOA#_filtered")
      try client.broadcast("@TOA#_filtered", payload: "\"hi\"")
      try client.expectOK(.unsubscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_filtered")
        $0.add("userID", "alice")
      }
      let events = try feed.receive(2)
      #expect(events.map(\.topic) == [.subscribed, .messageSent])
      // The created event took a logSeq this subscriber does not see.
      #expect(events.map(\.logSeq) == [last + 2, last + 3])
      try feed.expectSilence()
    }
  }

  @Test func logSeqContinuesAfterACleanStop() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-feed-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data").path
    var published = 0
    try withEventFeed(
      configure: { $0.dataDirectory = data },
      body: { daemon in
        let client = try daemon.client()
        let (feed, last) = try daemon.eventSubscriber(client: client)
        try client.createChannel("@TOA#_restart")
        try client.subscribe(["a", "b", "c"], to: "@TOA#_restart")
        try client.broadcast("@TOA#_restart", payload: "1")
        let events = try feed.receive(5)
        #expect(events.map(\.logSeq) == Array((last + 1)...(last + 5)))
        published = last + 5
      })
    // The stop wrote a snapshot, which holds the count; nothing is replayed from a journal.
    try withEventFeed(
      configure: { $0.dataDirectory = data },
      body: { daemon in
        let client = try daemon.client()
        let (feed, last) = try daemon.eventSubscriber(client: client, publishedBefore: published)
        try client.broadcast("@TOA#_restart", payload: "2")
        #expect(try feed.receive(1).map(\.logSeq) == [last + 1])
      })
  }

  @Test func theMetricsCountThePublishedEvents() throws {
    try withEventFeed { daemon in
      let address = try #require(daemon.daemon.metricsAddress)
      let client = try daemon.client()
      let (feed, last) = try daemon.eventSubscriber(client: client)
      try client.createChannel("@TOA#_counted")
      _ = try feed.receive(1)
      // The publisher counts a batch once it has sent it: the scrape may come first.
      var text = ""
      for _ in 0..<100 {
        text = try #require(HTTPGet.get("/metrics", from: address)).body
        if HTTPGet.sample("channelcast_feed_events_published_total", in: text) == Double(last + 1) {
          break
        }
        usleep(10_000)
      }
      #expect(
        HTTPGet.sample("channelcast_feed_events_published_total", in: text) == Double(last + 1))
      #expect(HTTPGet.sample("channelcast_feed_events_dropped_total", in: text) == 0)
    }
  }

  @Test func theFeedIsOffByDefault() throws {
    try withDaemon { daemon in
      #expect(daemon.configuration.eventsEndpoint == "")
      #expect(!FileManager.default.fileExists(atPath: daemon.directory.path + "/events"))
    }
  }
}
