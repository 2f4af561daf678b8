import Testing

@testable import ChannelCastServer

/// The table of topics consumers subscribe to, fed the messages XPUB gives the application.
@Suite struct SubscribedTopicsTests {
  private func message(_ kind: UInt8, _ topic: String) -> [UInt8] { [kind] + Array(topic.utf8) }

  private func isSubscribed(_ topics: SubscribedTopics, _ topic: String) -> Bool {
    Array(topic.utf8).withUnsafeBytes { topics.isSubscribed($0) }
  }

  private func apply(_ topics: inout SubscribedTopics, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { topics.apply($0) }
  }

  @Test func aUserTopicIsSubscribedFromItsSubscriptionUntilItsUnsubscription() {
    var topics = SubscribedTopics()
    #expect(!isSubscribed(topics, "alice\0"))
    apply(&topics, message(1, "alice\0"))
    #expect(isSubscribed(topics, "alice\0"))
    #expect(!isSubscribed(topics, "alice2\0"))
    #expect(topics.count == 1)
    apply(&topics, message(0, "alice\0"))
    #expect(!isSubscribed(topics, "alice\0"))
    #expect(topics.count == 0)
  }

  @Test func aPrefixCoversEveryTopicThatStartsWithIt() {
    var topics = SubscribedTopics()
    apply(&topics, message(1, "team-"))
    #expect(isSubscribed(topics, "team-7\0"))
    #expect(!isSubscribed(topics, "other\0"))
    apply(&topics, message(1, ""))
    #expect(isSubscribed(topics, "other\0"))
    #expect(topics.count == 2)
    apply(&topics, message(0, ""))
    apply(&topics, message(0, "team-"))
    #expect(!isSubscribed(topics, "team-7\0"))
    #expect(topics.count == 0)
  }

  @Test func anythingButASubscriptionMessageIsIgnored() {
    var topics = SubscribedTopics()
    apply(&topics, [])
    apply(&topics, message(2, "alice\0"))
    #expect(topics.count == 0)
  }
}
