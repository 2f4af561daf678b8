import ChannelCastClient
import ChannelCastCore
import Testing

/// The limits against abuse, through the command socket of a daemon that sets them.
@Suite struct AbuseLimitTests {
  @Test func aChannelOverItsSendRateGetsRateLimitedWithTheTimeToWait() throws {
    let daemon = try TestDaemon { $0.channelSendRatePerSecond = 1 }
    defer { daemon.stop() }
    let client = try daemon.client()
    try client.createChannel("@TOA#_rate")
    try client.expectOK(.sendMessage) {
      $0.add("officialAccountID", "@TOA#_rate")
      $0.add("payload", rawJSON: Array("1".utf8))
    }
    let error = try client.expectError(.rateLimited, .sendMessage) {
      $0.add("officialAccountID", "@TOA#_rate")
      $0.add("payload", rawJSON: Array("2".utf8))
    }
    let retryAfterMs = try #require((error["details"] as? [String: Any])?["retryAfterMs"] as? Int)
    #expect((1...1000).contains(retryAfterMs))
    #expect((error["message"] as? String)?.contains("retry in") == true)
  }

  @Test func theSamePayloadTwiceWithinTheWindowIsADuplicate() throws {
    let daemon = try TestDaemon { $0.duplicateWindowSeconds = 300 }
    defer { daemon.stop() }
    let client = try daemon.client()
    try client.createChannel("@TOA#_dup")
    let first = try client.expectOK(.sendMessage) {
      $0.add("officialAccountID", "@TOA#_dup")
      $0.add("payload", rawJSON: Array(#"{"a":1}"#.utf8))
    }
    let error = try client.expectError(.duplicate, .sendMessage) {
      $0.add("officialAccountID", "@TOA#_dup")
      $0.add("payload", rawJSON: Array(#"{"a":1}"#.utf8))
    }
    #expect(
      (error["details"] as? [String: Any])?["msgKey"] as? String == first["msgKey"] as? String)
  }

  @Test func aUserAtItsSubscriptionLimitGetsLimitExceeded() throws {
    let daemon = try TestDaemon { $0.limits.maxSubscriptionsPerUser = 1 }
    defer { daemon.stop() }
    let client = try daemon.client()
    for channel in ["@TOA#_one", "@TOA#_two"] { try client.createChannel(channel) }
    try client.expectOK(.subscribeOfficialAccount) {
      $0.add("officialAccountID", "@TOA#_one")
      $0.add("userID", "u")
    }
    let error = try client.expectError(.limitExceeded, .subscribeOfficialAccount) {
      $0.add("officialAccountID", "@TOA#_two")
      $0.add("userID", "u")
    }
    #expect((error["details"] as? [String: Any])?["limit"] as? Int == 1)
  }
}
