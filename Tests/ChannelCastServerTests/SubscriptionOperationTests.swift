import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Testing

/// subscribeOfficialAccount (single and batch), unsubscribeOfficialAccount,
/// setSubscriptionOptions and getSubscribers, through the real sockets.
@Suite struct SubscriptionOperationTests {
  @Test func subscribeReturnsTheUsersViewAndSendsSubscribed() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.broadcast("@TOA#_news", payload: "\"before\"")
      let consumer = try daemon.consumer(users: ["alice"])
      let info = try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "alice")
      }
      let subscribeTime = try #require(info["subscribeTime"] as? Int)
      #expect(info["subscriberCount"] as? Int == 1)
      let event = try #require(consumer.receive(1).first)
      #expect(event.0 == "alice")
      #expect(event.1["type"] as? String == "officialAccountSubscribed")
      let eventInfo = try #require(event.1["officialAccountInfo"] as? [String: Any])
      #expect(eventInfo["subscribeTime"] as? Int == subscribeTime)
      #expect(eventInfo["lastSeq"] as? Int == 1)  // where alice's stream starts
    }
  }

  @Test func aRepeatedSubscribeKeepsTheFirstTimeAndSendsNoSecondEventEvenWhenFull() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_tiny", maxSubscriberCount: 1)
      let consumer = try daemon.consumer(users: ["alice"])
      let first = try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_tiny")
        $0.add("userID", "alice")
      }
      #expect(try consumer.receive(1).count == 1)
      let again = try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_tiny")
        $0.add("userID", "alice")
      }
      #expect(again["subscribeTime"] as? Int == first["subscribeTime"] as? Int)
      #expect(again["subscriberCount"] as? Int == 1)
      try consumer.expectSilence()
    }
  }

  @Test func subscribeBeyondMaxSubscriberCountIsLimitExceeded() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_tiny", maxSubscriberCount: 2)
      try client.subscribe("a", to: "@TOA#_tiny")
      try client.subscribe("b", to: "@TOA#_tiny")
      let error = try client.expectError(.limitExceeded, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_tiny")
        $0.add("userID", "c")
      }
      #expect((error["details"] as? [String: Any])?["limit"] as? Int == 2)
    }
  }

  @Test func subscribeToAnUnknownChannelIsNotFound() throws {
    try withDaemon { daemon in
      try daemon.client().expectError(.notFound, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_ghost")
        $0.add("userID", "alice")
      }
    }
  }

  @Test func batchSubscribeAnswersEachUserInOrder() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news", maxSubscriberCount: 3)
      try client.subscribe("carol", to: "@TOA#_news")
      let consumer = try daemon.consumer(users: ["alice", "bob", "carol", "dave"])
      let reply = try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add(
          "userIDList",
          rawJSON: Array("[\"alice\", \"\", 42, \"carol\", \"bob\", \"dave\"]".utf8))
      }
      let results = try #require(reply["results"] as? [[String: Any]])
      #expect(results.count == 6)
      #expect(
        results.map { $0["resultCode"] as? String } == [
          "ok", "invalid_argument", "invalid_argument", "ok", "ok", "limit_exceeded",
        ])
      #expect(results[0]["userID"] as? String == "alice")
      #expect(results[2]["userID"] as? Int == 42)
      let events = try consumer.receive(2)  // alice and bob; carol was already subscribed
      #expect(Set(events.map(\.0)) == ["alice", "bob"])
      try consumer.expectSilence()
    }
  }

  @Test func subscribeNeedsExactlyOneOfUserIDAndUserIDList() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.expectError(.invalidArgument, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
      }
      try client.expectError(.invalidArgument, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "a")
        $0.add("userIDList", rawJSON: Array("[\"b\"]".utf8))
      }
      let tooMany = try client.expectError(.invalidArgument, .subscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        var users = JSONArrayWriter()
        for number in 0...1000 { users.append("u\(number)") }
        $0.add("userIDList", array: users)
      }
      #expect((tooMany["details"] as? [String: Any])?["limit"] as? Int == 1000)
    }
  }

  @Test func unsubscribeSendsUnsubscribedAndStopsDeliveries() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.subscribe("alice", to: "@TOA#_news")
      let consumer = try daemon.consumer(users: ["alice"])
      try client.expectOK(.unsubscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "alice")
      }
      let event = try #require(consumer.receive(1).first)
      #expect(event.1["type"] as? String == "officialAccountUnsubscribed")
      #expect(event.1["officialAccountID"] as? String == "@TOA#_news")
      let sent = try client.broadcast("@TOA#_news", payload: "1")
      #expect(sent["recipientCount"] as? Int == 0)
      try consumer.expectSilence()
      try client.expectError(.notFound, .unsubscribeOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "alice")
      }
    }
  }

  @Test func setSubscriptionOptionsReturnsTheSubscription() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.subscribe("alice", to: "@TOA#_news")
      let subscription = try client.expectOK(.setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "alice")
        $0.add("msgFlag", "acceptNotNotify")
        $0.add("customData", "vip")
      }
      #expect(subscription["userID"] as? String == "alice")
      #expect(subscription["officialAccountID"] as? String == "@TOA#_news")
      #expect(subscription["msgFlag"] as? String == "acceptNotNotify")
      #expect(subscription["customData"] as? String == "vip")
      #expect(subscription["subscribeTime"] as? Int != nil)
      try client.expectError(.invalidArgument, .setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "alice")
        $0.add("msgFlag", "loud")
      }
      try client.expectError(.notFound, .setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "bob")
        $0.add("msgFlag", "discard")
      }
    }
  }

  @Test func getSubscribersPagesEveryUserOnceWhileOthersComeAndGo() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      let steady = (0..<120).map { "steady-\($0)" }
      for user in steady { try client.subscribe(user, to: "@TOA#_news") }
      for number in 0..<30 { try client.subscribe("leaving-\(number)", to: "@TOA#_news") }
      var seen: [String] = []
      var cursor: String?
      var page = 0
      repeat {
        let reply = try client.expectOK(.getSubscribers) {
          $0.add("officialAccountID", "@TOA#_news")
          $0.add("limit", 25)
          if let cursor { $0.add("cursor", cursor) }
        }
        for subscriber in reply["subscribers"] as? [[String: Any]] ?? [] {
          seen.append(subscriber["userID"] as? String ?? "?")
          #expect(subscriber["msgFlag"] as? String == "acceptAndNotify")
          #expect(subscriber["customData"] as? String == "")
          #expect(subscriber["subscribeTime"] as? Int != nil)
        }
        cursor = reply["nextCursor"] as? String
        // Churn between pages: some leave, newcomers join.
        try client.expectOK(.unsubscribeOfficialAccount) {
          $0.add("officialAccountID", "@TOA#_news")
          $0.add("userID", "leaving-\(page)")
        }
        try client.subscribe("joining-\(page)", to: "@TOA#_news")
        page += 1
      } while cursor != nil
      #expect(seen == seen.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
      #expect(Set(seen).count == seen.count)
      #expect(Set(steady).isSubset(of: Set(seen)))
    }
  }

  /// A channel of several thousand: pages of 700 while, between pages, the user named by the
  /// cursor leaves (the next page starts after it all the same), a user ahead leaves and a batch
  /// of newcomers joins.
  @Test func getSubscribersPagesABigChannelOnceWhileUsersOnBothSidesOfTheCursorChange() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_big")
      let steady = (0..<4000).map { "steady-\($0)" }
      let leaving = (0..<40).map { "leaving-\($0)" }
      try client.subscribe(steady + leaving, to: "@TOA#_big")
      var seen: [String] = []
      var cursor: String?
      var page = 0
      repeat {
        let reply = try client.expectOK(.getSubscribers) {
          $0.add("officialAccountID", "@TOA#_big")
          $0.add("limit", 700)
          if let cursor { $0.add("cursor", cursor) }
        }
        let users = (reply["subscribers"] as? [[String: Any]] ?? []).map {
          $0["userID"] as? String ?? "?"
        }
        seen += users
        cursor = reply["nextCursor"] as? String
        #expect(users.count == 700 || cursor == nil)
        if let cursor, cursor.hasPrefix("steady-") {
          try client.expectOK(.unsubscribeOfficialAccount) {
            $0.add("officialAccountID", "@TOA#_big")
            $0.add("userID", cursor)
          }
        }
        try client.expectOK(.unsubscribeOfficialAccount) {
          $0.add("officialAccountID", "@TOA#_big")
          $0.add("userID", "leaving-\(39 - page)")
        }
        try client.subscribe((0..<300).map { "joining-\(page)-\($0)" }, to: "@TOA#_big")
        page += 1
      } while cursor != nil
      #expect(seen == seen.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
      #expect(Set(seen).count == seen.count)
      #expect(Set(steady).isSubset(of: Set(seen)))
      #expect(page >= 6)
    }
  }
}
