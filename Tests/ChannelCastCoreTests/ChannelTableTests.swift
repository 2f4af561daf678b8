import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

/// `ChannelTable`: numbering, lookup by ID, the ID order pages follow, and the seqs of deleted
/// channels.
@Suite struct ChannelTableTests {
  private static func channel(_ id: String, lastSeq: UInt64 = 0) -> ChannelState {
    ChannelState(
      account: OfficialAccount(
        officialAccountID: ByteString(id), officialAccountName: id, ownerUserID: ByteString("o"),
        createTime: 1, maxSubscriberCount: 10, lastSeq: lastSeq),
      history: ChannelHistory(maxEntries: 10, maxBytes: 1000))
  }

  @Test func numbersAreHandedOutInOrderAndAFreedOneIsReused() {
    var table = ChannelTable()
    let news = table.insert(Self.channel("@TOA#_news"))
    let sport = table.insert(Self.channel("@TOA#_sport"))
    #expect((news, sport) == (0, 1))
    table.remove(news)
    #expect(table.number(of: ByteString("@TOA#_news")) == nil)
    #expect(table.insert(Self.channel("@TOA#_art")) == news)
    #expect(table.insert(Self.channel("@TOA#_food")) == 2)
    #expect(table.count == 3)
  }

  @Test func idsArePagedInByteOrderAfterTheCursor() {
    var table = ChannelTable()
    for id in ["@TOA#_c", "@TOA#_a", "@TOA#_d", "@TOA#_b"] { _ = table.insert(Self.channel(id)) }
    let first = table.ids(after: nil, limit: 3)
    #expect(first.ids.map(\.description) == ["@TOA#_a", "@TOA#_b", "@TOA#_c"])
    #expect(first.hasMore)
    let rest = table.ids(after: first.ids.last, limit: 3)
    #expect(rest.ids.map(\.description) == ["@TOA#_d"])
    #expect(!rest.hasMore)
    // A cursor that names a channel deleted since still pages on from its place.
    table.remove(table.number(of: ByteString("@TOA#_b"))!)
    #expect(
      table.ids(after: ByteString("@TOA#_b"), limit: 9).ids.map(\.description) == [
        "@TOA#_c", "@TOA#_d",
      ])
  }

  @Test func aDeletedChannelsLastSeqIsKeptUntilItsIDIsTakenAgain() {
    var table = ChannelTable()
    let number = table.insert(Self.channel("@TOA#_news", lastSeq: 41))
    table[number].account.lastSeq = 42
    table.remove(number)
    #expect(table.retiredLastSeq(of: ByteString("@TOA#_news")) == 42)
    _ = table.insert(Self.channel("@TOA#_news", lastSeq: 42))
    #expect(table.retiredLastSeq(of: ByteString("@TOA#_news")) == nil)
  }
}
