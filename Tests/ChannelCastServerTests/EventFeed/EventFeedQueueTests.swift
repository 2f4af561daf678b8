import ChannelCastCore
import ChannelCastProtocol
import Dispatch
import Logging
import Testing

@testable import ChannelCastServer

/// The hand-over from the command thread to the events publisher: bounded, never waiting on
/// the publisher, and numbering what the journal holds.
@Suite struct EventFeedQueueTests {
  private static let channel = ByteString("@TOA#_q")
  private static let logger = Logger(label: "event-feed-queue-tests")

  private static func subscribed(_ user: String) -> JournalRecord {
    .subscribed(officialAccountID: channel, userID: ByteString(user), subscribeTime: 1)
  }

  private static func entries(_ logSeqs: ClosedRange<UInt64>) -> [EventFeedQueue.Entry] {
    logSeqs.map { .init(logSeq: $0, timeMs: 0, record: subscribed("u\($0)")) }
  }

  @Test func aFullQueueDropsWhatDoesNotFitWithoutWaiting() {
    let queue = EventFeedQueue(capacity: 3)
    #expect(queue.offer(Self.entries(1...2)) == 0)
    #expect(queue.offer(Self.entries(3...5)) == 2)  // room for one: 3 goes in, 4 and 5 do not
    #expect(queue.offer(Self.entries(6...6)) == 1)
    #expect(queue.takeAll(waitingUpTo: 0).map(\.logSeq) == [1, 2, 3])
    #expect(queue.offer(Self.entries(7...7)) == 0)
    #expect(queue.takeAll(waitingUpTo: 0).map(\.logSeq) == [7])
  }

  @Test func takeAllWaitsForAnOfferAndReturnsEmptyAfterTheTimeout() async {
    let queue = EventFeedQueue(capacity: 10)
    #expect(queue.takeAll(waitingUpTo: 20).isEmpty)
    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
      _ = queue.offer(Self.entries(1...1))
    }
    #expect(queue.takeAll(waitingUpTo: 5000).map(\.logSeq) == [1])
  }

  @Test func aClosedQueueTakesNothingMoreButHandsOutWhatItHolds() {
    let queue = EventFeedQueue(capacity: 10)
    _ = queue.offer(Self.entries(1...2))
    queue.close()
    #expect(queue.offer(Self.entries(3...3)) == 1)
    #expect(queue.takeAll(waitingUpTo: 5000).map(\.logSeq) == [1, 2])
    #expect(queue.takeAll(waitingUpTo: 5000).isEmpty)
  }

  @Test func theRecorderHandsOverOnlyCommittedRecordsNumberedFromWhereRecoveryLeftOff() {
    let queue = EventFeedQueue(capacity: 10)
    let recorder = EventFeedRecorder(lastLogSeq: 41, queue: queue, logger: Self.logger)
    recorder.appended(Self.subscribed("a"))
    recorder.appended(.messageFannedOut(officialAccountID: Self.channel, seq: 1))
    recorder.appended(Self.subscribed("b"))
    #expect(recorder.lastLogSeq == 43)
    #expect(queue.takeAll(waitingUpTo: 0).isEmpty)  // not committed yet
    recorder.committed()
    let handed = queue.takeAll(waitingUpTo: 0)
    #expect(handed.map(\.logSeq) == [42, 43])
    #expect(handed.map(\.record) == [Self.subscribed("a"), Self.subscribed("b")])
  }

  @Test func aFailedCommitPublishesNothing() {
    let queue = EventFeedQueue(capacity: 10)
    let recorder = EventFeedRecorder(lastLogSeq: 0, queue: queue, logger: Self.logger)
    recorder.appended(Self.subscribed("a"))
    recorder.commitFailed()
    recorder.committed()
    #expect(queue.takeAll(waitingUpTo: 0).isEmpty)
    #expect(!recorder.hasUncommitted)
  }

  @Test func recordsAreNumberedWhileTheFeedIsOff() {
    let recorder = EventFeedRecorder(lastLogSeq: 5, queue: nil, logger: Self.logger)
    recorder.appended(Self.subscribed("a"))
    recorder.appended(.unsubscribed(officialAccountID: Self.channel, userID: ByteString("a")))
    recorder.committed()
    #expect(recorder.lastLogSeq == 7)
    #expect(!recorder.hasUncommitted)
  }
}
