import ChannelCastProtocol
import Foundation
import Testing

@testable import ChannelCastCore

/// The event feed's JSON for each journal record (docs/protocol.md, Event feed): the header
/// every event starts with, then the record's fields under the protocol's names.
@Suite struct FeedEventEncodingTests {
  private static let channel = ByteString("@TOA#_news")

  private func event(_ record: JournalRecord, logSeq: UInt64 = 7, timeMs: Int64 = 1_800_000_000_123)
    throws -> (FeedEvent, [String: Any])
  {
    let event = try #require(record.feedEvent(logSeq: logSeq, timeMs: timeMs))
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
    return (event, object)
  }

  @Test func everyEventStartsWithVersionLogSeqTypeAndTime() throws {
    let (event, object) = try event(
      .channelDeleted(officialAccountID: Self.channel), logSeq: 42, timeMs: 1_800_000_000_999)
    #expect(event.type == .officialAccountDeleted)
    #expect(event.logSeq == 42)
    #expect(
      String(decoding: event.json, as: UTF8.self).hasPrefix(
        #"{"v":1,"logSeq":42,"type":"officialAccountDeleted","timeMs":1800000000999,"#))
    #expect(object["officialAccountID"] as? String == "@TOA#_news")
  }

  @Test func everyRecordButFanOutBookkeepingHasItsType() {
    let types = JournalRecordCodingTests.everyKind.map(\.feedEventType)
    #expect(
      types == [
        .officialAccountCreated, .officialAccountInfoChanged, .officialAccountDeleted,
        .subscribed, .unsubscribed, .subscriptionOptionsChanged, .subscriptionOptionsChanged,
        .messageSent, .messageSent, .messagesRecalled, .subscriberMessage, nil,
      ])
    #expect(
      JournalRecord.messageFannedOut(officialAccountID: Self.channel, seq: 1)
        .feedEvent(logSeq: 1, timeMs: 0) == nil)
  }

  @Test func createdCarriesTheAccountsInfo() throws {
    let (_, object) = try event(.channelCreated(JournalRecordCodingTests.account))
    #expect(object["type"] as? String == "officialAccountCreated")
    #expect(object["officialAccountID"] as? String == "@TOA#_news")
    let info = try #require(object["officialAccountInfo"] as? [String: Any])
    #expect(info["officialAccountName"] as? String == "Nouvelles ✓")
    #expect(info["faceUrl"] as? String == "https://example.com/f.png")
    #expect(info["customData"] as? String == "{\"x\":1}")
    #expect(info["ownerUserID"] as? String == "owner")
    #expect(info["createTime"] as? Int == 1_800_000_000)
    #expect(info["maxSubscriberCount"] as? Int == 100_000)
    #expect(info["lastSeq"] as? Int == 41)
    #expect(info["subscriberCount"] == nil)
  }

  @Test func infoChangedCarriesTheSeqAndTheNewFields() throws {
    let (_, object) = try event(JournalRecordCodingTests.everyKind[1])
    #expect(object["seq"] as? Int == 42)
    let info = try #require(object["officialAccountInfo"] as? [String: Any])
    #expect(info["officialAccountID"] as? String == "@TOA#_news")
    #expect(info["officialAccountName"] as? String == "N")
    #expect(info["organization"] as? String == "o")
    #expect(info["introduction"] as? String == "i")
    #expect(info["maxSubscriberCount"] as? Int == 7)
  }

  @Test func subscribedCarriesTheUserAndSubscribeTime() throws {
    let (_, object) = try event(
      .subscribed(officialAccountID: Self.channel, userID: ByteString("ü\"\n"), subscribeTime: 9))
    #expect(object["type"] as? String == "subscribed")
    #expect(object["userID"] as? String == "ü\"\n")
    #expect(object["subscribeTime"] as? Int == 9)
    let (_, unsubscribed) = try event(
      .unsubscribed(officialAccountID: Self.channel, userID: ByteString("u")))
    #expect(unsubscribed["type"] as? String == "unsubscribed")
    #expect(unsubscribed["userID"] as? String == "u")
  }

  @Test func optionsChangedCarriesOnlyWhatTheRequestChanged() throws {
    let (_, flagOnly) = try event(JournalRecordCodingTests.everyKind[5])
    #expect(flagOnly["msgFlag"] as? String == "discard")
    #expect(flagOnly["customData"] == nil)
    let (_, customDataOnly) = try event(JournalRecordCodingTests.everyKind[6])
    #expect(customDataOnly["msgFlag"] == nil)
    #expect(customDataOnly["customData"] as? String == "")
  }

  @Test func messageSentEmbedsThePayloadAsJSON() throws {
    let (_, object) = try event(
      .messageSent(
        .init(
          officialAccountID: Self.channel, seq: 3, msgKey: "k3", sendTimeMs: 11, sentAtMs: 10,
          recipientCount: 2, clientMsgID: "c1", payload: Array(#"{"title": "Hi"}"#.utf8))))
    #expect(object["msgKey"] as? String == "k3")
    #expect(object["seq"] as? Int == 3)
    #expect(object["sendTimeMs"] as? Int == 11)
    #expect(object["recipientCount"] as? Int == 2)
    #expect(object["clientMsgID"] as? String == "c1")
    #expect((object["payload"] as? [String: Any])?["title"] as? String == "Hi")
    let (_, withoutID) = try event(JournalRecordCodingTests.everyKind[8])
    #expect(withoutID["clientMsgID"] == nil)
    #expect(withoutID["payload"] as? String == "x")
  }

  @Test func recallCarriesItsSeqAndTheRecalledMessage() throws {
    let (event, object) = try event(JournalRecordCodingTests.everyKind[9])
    #expect(event.type == .messagesRecalled)
    #expect(object["msgKey"] as? String == "k")
    #expect(object["seq"] as? Int == 2)
    #expect(object["messageSeq"] as? Int == 1)
    #expect(object["reason"] as? String == "oops")
  }

  @Test func subscriberMessageNamesItsSender() throws {
    let (_, object) = try event(JournalRecordCodingTests.everyKind[10])
    #expect(object["fromUserID"] as? String == "u")
    #expect(object["msgKey"] as? String == "m")
    #expect(object["sendTimeMs"] as? Int == 4)
    #expect(object["payload"] as? Int == 1)
  }

  @Test func typeNamesAreTheTopicsAndNoneIsAPrefixOfAnother() {
    let names = FeedEventType.allCases.map(\.name)
    #expect(names.count == 9)
    for name in names {
      #expect(names.filter { $0.hasPrefix(name) } == [name])
      #expect(FeedEventType(name: name)?.name == name)
    }
    #expect(FeedEventType(name: "message") == nil)
  }
}
