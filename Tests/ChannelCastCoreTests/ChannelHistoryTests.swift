import Testing

@testable import ChannelCastCore

@Suite struct ChannelHistoryTests {
  private func message(_ seq: UInt64, bytes: Int = 10) -> HistoryEntry {
    HistoryEntry(
      seq: seq, timeMs: Int64(seq) * 1000,
      kind: .message(msgKey: "k\(seq)", sendTimeMs: Int64(seq), recalled: false),
      encoded: Array(repeating: UInt8(ascii: "x"), count: bytes))
  }

  @Test func keepsTheLastEntriesUpToTheCount() {
    var history = ChannelHistory(maxEntries: 3, maxBytes: 1 << 20)
    for seq in 1...5 { history.append(message(UInt64(seq))) }
    #expect(history.count == 3)
    #expect(history.oldestSeq(lastSeq: 5) == 3)
    #expect(history.entries(after: 0, limit: 100).map(\.seq) == [3, 4, 5])
    #expect(history.entries(after: 3, limit: 100).map(\.seq) == [4, 5])
    #expect(history.entries(after: 4, limit: 1).map(\.seq) == [5])
    #expect(history.entries(after: 5, limit: 100).isEmpty)
  }

  @Test func keepsTheLastEntriesUpToTheBytes() {
    var history = ChannelHistory(maxEntries: 100, maxBytes: 25)
    for seq in 1...4 { history.append(message(UInt64(seq))) }
    #expect(history.entries(after: 0, limit: 100).map(\.seq) == [3, 4])
    #expect(history.encodedBytes == 20)
  }

  @Test func evictsEntriesOlderThanTheMaximumAge() {
    var history = ChannelHistory(maxEntries: 100, maxBytes: 1 << 20, maxAgeMs: 2500)
    for seq in 1...4 { history.append(message(UInt64(seq))) }
    // Appending at 4 s evicts what is older than 1.5 s: seqs 1 (1 s).
    #expect(history.entries(after: 0, limit: 100).map(\.seq) == [2, 3, 4])
    history.evictExpired(nowMs: 6000)
    #expect(history.entries(after: 0, limit: 100).map(\.seq) == [4])
    #expect(history.oldestSeq(lastSeq: 4) == 4)
  }

  @Test func reportsNothingRetainedAsLastSeqPlusOne() {
    let history = ChannelHistory(maxEntries: 0, maxBytes: 0)
    #expect(history.oldestSeq(lastSeq: 7) == 8)
  }

  @Test func recallTurnsAMessageIntoATombstoneOnce() {
    var history = ChannelHistory(maxEntries: 10, maxBytes: 1000)
    history.append(message(1))
    #expect(history.lookUpForRecall(msgKey: "k1") == .retained(seq: 1, sendTimeMs: 1))
    history.markRecalled(seq: 1, tombstone: Array("tomb".utf8))
    #expect(history.lookUpForRecall(msgKey: "k1") == .alreadyRecalled)
    #expect(history.entries(after: 0, limit: 1).first?.encoded == Array("tomb".utf8))
    #expect(history.lookUpForRecall(msgKey: "nope") == .notRetained)
  }

  @Test func forgetsTheKeysOfEvictedMessages() {
    var history = ChannelHistory(maxEntries: 1, maxBytes: 1000)
    history.append(message(1))
    history.append(message(2))
    #expect(history.lookUpForRecall(msgKey: "k1") == .notRetained)
  }
}
