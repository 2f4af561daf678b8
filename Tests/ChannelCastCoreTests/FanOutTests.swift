import ChannelCastProtocol
import Foundation
import Testing

@testable import ChannelCastCore

let testMark = DeliveryMark(officialAccountID: ByteString("@TOA#_test"), seq: 1)

/// Records every delivery, as (topic, envelope) strings.
///
/// `@unchecked Sendable`: `deliveries` is touched only under `lock`, an `NSLock` that
/// ThreadSanitizer understands.
final class RecordingSink: DeliverySink, @unchecked Sendable {
  private let lock = NSLock()
  private var deliveries: [(topic: String, envelope: String)] = []

  func deliver(_ batch: UnsafeBufferPointer<Delivery>) -> Int {
    let decoded = batch.map {
      (String(decoding: $0.topic, as: UTF8.self), String(decoding: $0.envelope, as: UTF8.self))
    }
    lock.withLock { deliveries += decoded }
    return batch.count
  }

  func envelopes(for user: String) -> [String] {
    lock.withLock { deliveries.filter { $0.topic == user + "\0" }.map(\.envelope) }
  }
}

@Suite struct FanOutTests {
  @Test func deliversEachUserItsEnvelopesInSubmissionOrderAcrossShards() {
    let sink = RecordingSink()
    var index = SubscriptionIndex(shardCount: 4)
    let fanOut = FanOut(shardCount: 4, directory: index.directory, sink: sink)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let users = (0..<200).map { "user-\($0)" }
    for name in users {
      _ = index.subscribe(
        user: index.directory.intern(ByteString(name)), channel: channel, subscribeTime: 1,
        maxSubscriberCount: 1000)
    }
    var pending = PendingFanOut(shardCount: 4)
    for seq in 1...50 {
      pending.addBroadcast(
        to: index.members(of: channel),
        envelopes: .everyone(SharedBytes(Array("m\(seq)".utf8))), channel: channel, mark: testMark)
      if seq % 7 == 0 { fanOut.submit(&pending) }
    }
    fanOut.submit(&pending)
    #expect(fanOut.waitUntilDrained(timeout: .seconds(30)))
    for name in users {
      #expect(sink.envelopes(for: name) == (1...50).map { "m\($0)" })
    }
    #expect(fanOut.deliveriesSent == 200 * 50)
    #expect(fanOut.queueDepths.allSatisfy { $0 == 0 })
  }

  @Test func choosesTheEnvelopeByMessageFlag() {
    let sink = RecordingSink()
    var index = SubscriptionIndex(shardCount: 2)
    let fanOut = FanOut(shardCount: 2, directory: index.directory, sink: sink)
    let channel: UInt32 = 0
    index.addChannel(channel)
    for (name, flag) in [
      ("a", MessageFlag.acceptAndNotify), ("b", .acceptNotNotify), ("c", .discard),
    ] {
      let user = index.directory.intern(ByteString(name))
      _ = index.subscribe(user: user, channel: channel, subscribeTime: 1, maxSubscriberCount: 9)
      _ = index.setOptions(user: user, channel: channel, flag: flag, customData: nil)
    }
    var pending = PendingFanOut(shardCount: 2)
    pending.addBroadcast(
      to: index.members(of: channel),
      envelopes: BroadcastEnvelopes(
        acceptAndNotify: SharedBytes(Array("loud".utf8)),
        acceptNotNotify: SharedBytes(Array("quiet".utf8)), discard: nil),
      channel: channel, mark: testMark)
    fanOut.submit(&pending)
    #expect(fanOut.waitUntilDrained(timeout: .seconds(30)))
    #expect(sink.envelopes(for: "a") == ["loud"])
    #expect(sink.envelopes(for: "b") == ["quiet"])
    #expect(sink.envelopes(for: "c") == [])
  }

  @Test func aUserEventFollowsTheBroadcastsBeforeIt() {
    let sink = RecordingSink()
    var index = SubscriptionIndex(shardCount: 3)
    let fanOut = FanOut(shardCount: 3, directory: index.directory, sink: sink)
    let channel: UInt32 = 0
    index.addChannel(channel)
    let alice = index.directory.intern(ByteString("alice"))
    _ = index.subscribe(user: alice, channel: channel, subscribeTime: 1, maxSubscriberCount: 9)
    var pending = PendingFanOut(shardCount: 3)
    pending.addBroadcast(
      to: index.members(of: channel), envelopes: .everyone(SharedBytes(Array("m1".utf8))),
      channel: channel, mark: testMark)
    fanOut.submit(&pending)
    pending.addEvent(
      SharedBytes(Array("bye".utf8)), toUser: alice, shard: index.shard(of: alice),
      channel: channel, mark: testMark)
    fanOut.submit(&pending)
    #expect(fanOut.waitUntilDrained(timeout: .seconds(30)))
    #expect(sink.envelopes(for: "alice") == ["m1", "bye"])
  }
}
