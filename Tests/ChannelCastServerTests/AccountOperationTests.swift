import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Testing

/// createOfficialAccount, listOfficialAccounts, setOfficialAccountInfo, deleteOfficialAccount and
/// getOfficialAccountsInfo, through the real command and delivery sockets.
@Suite struct AccountOperationTests {
  @Test func createReturnsTheFullInfo() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      let info = try client.expectOK(.createOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("ownerUserID", "editor")
        $0.add("officialAccountName", "News")
        $0.add("faceUrl", "https://example.com/news.png")
        $0.add("introduction", "Daily news")
        $0.add("maxSubscriberCount", 50)
      }
      #expect(info["officialAccountID"] as? String == "@TOA#_news")
      #expect(info["officialAccountName"] as? String == "News")
      #expect(info["ownerUserID"] as? String == "editor")
      #expect(info["faceUrl"] as? String == "https://example.com/news.png")
      #expect(info["organization"] as? String == "")
      #expect(info["introduction"] as? String == "Daily news")
      #expect(info["customData"] as? String == "")
      #expect(info["subscriberCount"] as? Int == 0)
      #expect(info["maxSubscriberCount"] as? Int == 50)
      #expect(info["lastMessageTime"] as? Int == 0)
      #expect(info["lastSeq"] as? Int == 0)
      #expect((info["createTime"] as? Int ?? 0) > 1_700_000_000)
      #expect(info["subscribeTime"] == nil)
    }
  }

  @Test func createGeneratesAnIDWhenNoneIsGiven() throws {
    try withDaemon { daemon in
      let info = try daemon.client().expectOK(.createOfficialAccount) {
        $0.add("ownerUserID", "editor")
        $0.add("officialAccountName", "Anonymous")
      }
      let id = try #require(info["officialAccountID"] as? String)
      #expect(id.hasPrefix("@TOA#_") && id.utf8.count > 6 && id.utf8.count <= 48)
    }
  }

  @Test func createUsesTheConfiguredDefaultMaxSubscriberCount() throws {
    try withDaemon(setting: \.limits.maxSubscriberCount, to: 7) { daemon in
      let info = try daemon.client().createChannel("@TOA#_small")
      #expect(info["maxSubscriberCount"] as? Int == 7)
    }
  }

  @Test func createRefusesATakenID() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      let error = try client.expectError(.alreadyExists, .createOfficialAccount) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("ownerUserID", "x")
        $0.add("officialAccountName", "again")
      }
      #expect((error["details"] as? [String: Any])?["field"] as? String == "officialAccountID")
    }
  }

  @Test func createNamesTheFieldItsSizeAndTheLimit() throws {
    try withDaemon { daemon in
      let error = try daemon.client().expectError(.invalidArgument, .createOfficialAccount) {
        $0.add("ownerUserID", "x")
        $0.add("officialAccountName", String(repeating: "n", count: 151))
      }
      #expect(error["message"] as? String == "officialAccountName is 151 bytes; the limit is 150")
      let details = try #require(error["details"] as? [String: Any])
      #expect(details["field"] as? String == "officialAccountName")
      #expect(details["limit"] as? Int == 150)
      #expect(details["size"] as? Int == 151)
    }
  }

  @Test func createRequiresOwnerAndName() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      let noOwner = try client.expectError(.invalidArgument, .createOfficialAccount) {
        $0.add("officialAccountName", "x")
      }
      #expect((noOwner["details"] as? [String: Any])?["field"] as? String == "ownerUserID")
      let noName = try client.expectError(.invalidArgument, .createOfficialAccount) {
        $0.add("ownerUserID", "x")
      }
      #expect((noName["details"] as? [String: Any])?["field"] as? String == "officialAccountName")
    }
  }

  @Test func listPagesInByteOrderWithACursor() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      let ids = ["@TOA#_b", "@TOA#_a", "@TOA#_c", "@TOA#_B", "@TOA#_ab"]
      for id in ids { try client.createChannel(id) }
      var listed: [String] = []
      var cursor: String?
      repeat {
        let page = try client.expectOK(.listOfficialAccounts) {
          $0.add("limit", 2)
          if let cursor { $0.add("cursor", cursor) }
        }
        listed += (page["officialAccounts"] as? [[String: Any]] ?? []).compactMap {
          $0["officialAccountID"] as? String
        }
        cursor = page["nextCursor"] as? String
      } while cursor != nil
      #expect(listed == ["@TOA#_B", "@TOA#_a", "@TOA#_ab", "@TOA#_b", "@TOA#_c"])
    }
  }

  @Test func listRefusesALimitOver1000() throws {
    try withDaemon { daemon in
      let error = try daemon.client().expectError(.invalidArgument, .listOfficialAccounts) {
        $0.add("limit", 1001)
      }
      #expect((error["details"] as? [String: Any])?["limit"] as? Int == 1000)
    }
  }

  @Test func setInfoChangesFieldsAndTellsEverySubscriber() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      for user in ["alice", "bob"] { try client.subscribe(user, to: "@TOA#_news") }
      try client.expectOK(.setSubscriptionOptions) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("userID", "bob")
        $0.add("msgFlag", "discard")
      }
      let consumer = try daemon.consumer(users: ["alice", "bob"])
      let info = try client.expectOK(.setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("officialAccountName", "World News")
        $0.add("customData", "{\"tier\":1}")
      }
      #expect(info["officialAccountName"] as? String == "World News")
      #expect(info["customData"] as? String == "{\"tier\":1}")
      #expect(info["lastSeq"] as? Int == 1)
      let events = try consumer.receive(2)
      #expect(Set(events.map(\.0)) == ["alice", "bob"])  // discard still gets channel-wide events
      for (_, event) in events {
        #expect(event["v"] as? Int == 1)
        #expect(event["type"] as? String == "officialAccountInfoChanged")
        #expect(event["seq"] as? Int == 1)
        let changed = try #require(event["officialAccountInfo"] as? [String: Any])
        #expect(changed["officialAccountName"] as? String == "World News")
        #expect(changed["lastSeq"] as? Int == 1)
        #expect(changed["subscribeTime"] == nil)
      }
    }
  }

  @Test(arguments: ["ownerUserID", "createTime", "subscriberCount", "lastMessageTime", "lastSeq"])
  func setInfoRefusesReadOnlyFields(_ field: String) throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      let error = try client.expectError(.invalidArgument, .setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add(field, 5)
      }
      #expect((error["details"] as? [String: Any])?["field"] as? String == field)
    }
  }

  @Test func setInfoRefusesARequestThatChangesNothing() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.expectError(.invalidArgument, .setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_news")
      }
      try client.expectError(.invalidArgument, .setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_news")
        $0.add("officialAccountName", "Channel @TOA#_news")
      }
      let history = try client.expectOK(.getHistory) { $0.add("officialAccountID", "@TOA#_news") }
      #expect(history["lastSeq"] as? Int == 0)
    }
  }

  @Test func setInfoOnAnUnknownChannelIsNotFound() throws {
    try withDaemon { daemon in
      try daemon.client().expectError(.notFound, .setOfficialAccountInfo) {
        $0.add("officialAccountID", "@TOA#_ghost")
        $0.add("officialAccountName", "x")
      }
    }
  }

  @Test func deleteTellsEverySubscriberAndForgetsTheChannel() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.subscribe("alice", to: "@TOA#_news")
      try client.broadcast("@TOA#_news", payload: "1")
      let consumer = try daemon.consumer(users: ["alice"])
      try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", "@TOA#_news") }
      let events = try consumer.receive(1)
      #expect(events.first?.1["type"] as? String == "officialAccountDeleted")
      #expect(events.first?.1["officialAccountID"] as? String == "@TOA#_news")
      try client.expectError(.notFound, .getHistory) {
        $0.add("officialAccountID", "@TOA#_news")
      }
      let subscribed = try client.expectOK(.getOfficialAccountsInfo) {
        $0.add("officialAccountIDList", array: JSONArrayWriter())
        $0.add("userID", "alice")
      }
      #expect((subscribed["results"] as? [Any])?.isEmpty == true)
    }
  }

  @Test func aRecreatedChannelContinuesTheSeqOfItsID() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.broadcast("@TOA#_news", payload: "1")
      try client.broadcast("@TOA#_news", payload: "2")
      try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", "@TOA#_news") }
      let info = try client.createChannel("@TOA#_news")
      #expect(info["lastSeq"] as? Int == 2)
      let sent = try client.broadcast("@TOA#_news", payload: "3")
      #expect(sent["seq"] as? Int == 3)
      let history = try client.expectOK(.getHistory) { $0.add("officialAccountID", "@TOA#_news") }
      #expect(history["oldestSeq"] as? Int == 3)
    }
  }

  @Test func getInfoAnswersEachIDInRequestOrder() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      try client.createChannel("@TOA#_news")
      try client.createChannel("@TOA#_sport")
      try client.subscribe("alice", to: "@TOA#_sport")
      let reply = try client.expectOK(.getOfficialAccountsInfo) {
        var ids = JSONArrayWriter()
        for id in ["@TOA#_sport", "@TOA#_ghost", "bad id", "@TOA#_news"] { ids.append(id) }
        $0.add("officialAccountIDList", array: ids)
        $0.add("userID", "alice")
      }
      let results = try #require(reply["results"] as? [[String: Any]])
      #expect(
        results.map { $0["officialAccountID"] as? String } == [
          "@TOA#_sport", "@TOA#_ghost", "bad id", "@TOA#_news",
        ])
      #expect(
        results.map { $0["resultCode"] as? String } == [
          "ok", "not_found", "invalid_argument", "ok",
        ])
      let sport = try #require(results[0]["officialAccountInfo"] as? [String: Any])
      #expect(sport["subscribeTime"] as? Int != nil)
      let news = try #require(results[3]["officialAccountInfo"] as? [String: Any])
      #expect(news["subscribeTime"] == nil)
      #expect(results[1]["officialAccountInfo"] == nil)
    }
  }

  @Test func getInfoRefusesMoreThan100IDs() throws {
    try withDaemon { daemon in
      let error = try daemon.client().expectError(.invalidArgument, .getOfficialAccountsInfo) {
        var ids = JSONArrayWriter()
        for number in 0...100 { ids.append("@TOA#_\(number)") }
        $0.add("officialAccountIDList", array: ids)
      }
      #expect((error["details"] as? [String: Any])?["limit"] as? Int == 100)
    }
  }

  @Test func getInfoWithAnEmptyListPagesTheUsersSubscriptions() throws {
    try withDaemon { daemon in
      let client = try daemon.client()
      for number in 0..<5 {
        try client.createChannel("@TOA#_\(number)")
        try client.subscribe("alice", to: "@TOA#_\(number)")
      }
      try client.createChannel("@TOA#_other")
      var seen: [String] = []
      var cursor: String?
      repeat {
        let page = try client.expectOK(.getOfficialAccountsInfo) {
          $0.add("officialAccountIDList", array: JSONArrayWriter())
          $0.add("userID", "alice")
          $0.add("limit", 2)
          if let cursor { $0.add("cursor", cursor) }
        }
        for result in page["results"] as? [[String: Any]] ?? [] {
          seen.append(result["officialAccountID"] as? String ?? "?")
          #expect((result["officialAccountInfo"] as? [String: Any])?["subscribeTime"] != nil)
        }
        cursor = page["nextCursor"] as? String
      } while cursor != nil
      #expect(seen == (0..<5).map { "@TOA#_\($0)" })
    }
  }
}
