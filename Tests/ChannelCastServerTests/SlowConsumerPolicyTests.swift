import ChannelCastClient
import ChannelCastCore
import Foundation
import Testing

/// The `drop` policy: fan-out waits for a full consumer up to `slowConsumerGraceMilliseconds`,
/// as `block` does, and only a consumer that stays full that long is cut off, its drops
/// counted, while the others keep receiving. (`block`, the default, is `FanOutIntegrationTests`'
/// slow consumer that receives everything.)
@Suite struct SlowConsumerPolicyTests {
  /// A burst fills a healthy consumer's queue faster than libzmq's I/O thread empties it; that
  /// instant of fullness is not a slow consumer.
  @Test func aBurstUnderDropLosesNothingForAConsumerThatReads() throws {
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .drop
      $0.deliveryHighWaterMark = 1000
    }
    defer { daemon.stop() }
    let client = try daemon.client(timeoutMilliseconds: 60_000)
    let users = (0..<5001).map { "burst-\($0)" }
    try client.createChannel("@TOA#_burst", maxSubscriberCount: 10_000)
    try client.subscribe(users, to: "@TOA#_burst")
    // Unbounded on the consumer's side, as in the report: libzmq drains as fast as it can.
    let consumer = try daemon.consumer(receiveHighWaterMark: 0)
    let broadcasts = 50
    for number in 0..<broadcasts { try client.broadcast("@TOA#_burst", payload: "\(number)") }

    var received = 0
    while try consumer.receive(timeoutMilliseconds: 5000) != nil {
      received += 1
      if received == users.count * broadcasts { break }
    }
    #expect(received == users.count * broadcasts)
    let stats = try client.expectOK(.stats)
    #expect(stats["deliveriesDropped"] as? Int == 0)
    #expect(try Self.consumersCutOff(daemon) == 0)
  }

  /// Per-user consumers as gateways run them: one stops reading, the other goes on. Fan-out
  /// waits the grace for the stalled one once, cuts it off, and the healthy one gets every
  /// delivery; the stalled one's drops are counted and it recovers its messages from the
  /// history.
  @Test func aStalledConsumerIsCutOffAfterTheGraceAndAHealthyOneGetsEverything() throws {
    // Long enough that the healthy consumer, read by this test on a busy machine, is never full
    // that long.
    let grace = 2000
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .drop
      $0.slowConsumerGraceMilliseconds = grace
      $0.deliveryHighWaterMark = 50
      $0.limits.historySize = 5000
    }
    defer { daemon.stop() }
    let client = try daemon.client(timeoutMilliseconds: 60_000)
    let stalledUsers = (0..<200).map { "stalled-\($0)" }
    let healthyUsers = (0..<200).map { "healthy-\($0)" }
    try client.createChannel("@TOA#_grace")
    try client.subscribe(stalledUsers + healthyUsers, to: "@TOA#_grace")
    let stalled = try daemon.consumer(users: stalledUsers, receiveHighWaterMark: 50)
    let healthy = try daemon.consumer(users: healthyUsers, receiveHighWaterMark: 50)

    let broadcasts = 100
    for number in 1...broadcasts { try client.broadcast("@TOA#_grace", payload: "\(number)") }
    var seqsByUser: [String: [Int]] = [:]
    for (user, envelope) in try healthy.receive(healthyUsers.count * broadcasts) {
      seqsByUser[user, default: []].append(envelope["seq"] as? Int ?? -1)
    }
    #expect(seqsByUser.count == healthyUsers.count)
    for (_, seqs) in seqsByUser { #expect(seqs == Array(1...broadcasts)) }

    let stats = try client.expectOK(.stats)
    // Each node counts what it drops of its own users' (one node outside cluster mode).
    let dropped = try daemon.statsOfEachNode().reduce(0) {
      $0 + ($1["deliveriesDropped"] as? Int ?? 0)
    }
    #expect(dropped > 0)
    #expect((stats["shardQueueDepths"] as? [Int])?.allSatisfy { $0 == 0 } == true)
    // Fan-out waited the grace once per cut-off: once, or a few times if libzmq's notice that
    // the stalled consumer had read was still on its way; not once per delivery or broadcast.
    let cutOffs = try Self.consumersCutOff(daemon)
    #expect(cutOffs >= 1 && cutOffs <= 3)

    // The stalled consumer, reading again, sees gaps and fills them from the history.
    var seen: [String: Set<Int>] = [:]
    while let delivery = try stalled.receive(timeoutMilliseconds: 500) {
      let envelope = try JSON.object(delivery.envelope)
      if let seq = envelope["seq"] as? Int {
        seen[String(decoding: delivery.userID, as: UTF8.self), default: []].insert(seq)
      }
    }
    // Every delivery the stalled consumer did not get was counted, and none it got was.
    let received = seen.values.reduce(0) { $0 + $1.count }
    #expect(received < stalledUsers.count * broadcasts)
    #expect(received + dropped == stalledUsers.count * broadcasts)
    let reader = stalledUsers[0]
    #expect((seen[reader]?.count ?? 0) < broadcasts)
    var afterSeq = 0
    while afterSeq < broadcasts {
      let page = try client.expectOK(.getHistory) {
        $0.add("officialAccountID", "@TOA#_grace")
        $0.add("userID", reader)
        $0.add("afterSeq", afterSeq)
        $0.add("limit", 100)
      }
      let messages = page["messages"] as? [[String: Any]] ?? []
      try #require(!messages.isEmpty)
      for message in messages { seen[reader, default: []].insert(message["seq"] as? Int ?? -1) }
      afterSeq = messages.last?["seq"] as? Int ?? broadcasts
    }
    #expect(seen[reader] == Set(1...broadcasts))
  }

  /// The grace is reloadable: a reload that shortens it applies to the next full consumer.
  @Test func aReloadChangesTheGrace() throws {
    let daemon = try TestDaemon {
      $0.slowConsumerPolicy = .drop
      $0.slowConsumerGraceMilliseconds = 60_000
      $0.deliveryHighWaterMark = 20
    }
    defer { daemon.stop() }
    var reloaded = daemon.configuration
    reloaded.slowConsumerGraceMilliseconds = 100
    let changes = try daemon.daemon.reload(reloaded)
    #expect(changes.applied == ["slowConsumerGraceMilliseconds"])
    #expect(changes.needRestart.isEmpty)

    let client = try daemon.client(timeoutMilliseconds: 60_000)
    try client.createChannel("@TOA#_reload")
    try client.subscribe(["sleeper"], to: "@TOA#_reload")
    let sleeper = try daemon.consumer(users: ["sleeper"], receiveHighWaterMark: 20)
    // Large enough to fill the kernel's socket buffers too, which hold a few hundred kilobytes.
    let filler = String(repeating: "x", count: 4000)
    for number in 0..<500 {
      try client.broadcast("@TOA#_reload", payload: "\"\(filler)\(number)\"")
    }
    // With the old grace of a minute the shard would still be waiting.
    var depths: [Int] = []
    for _ in 0..<300 {
      depths = try client.expectOK(.stats)["shardQueueDepths"] as? [Int] ?? []
      if depths.allSatisfy({ $0 == 0 }) { break }
      usleep(10_000)
    }
    #expect(depths.allSatisfy { $0 == 0 })
    #expect(try Self.consumersCutOff(daemon) >= 1)
    withExtendedLifetime(sleeper) {}
  }

  private static func consumersCutOff(_ daemon: TestDaemon) throws -> Double {
    let address = try #require(daemon.daemon.metricsAddress)
    let text = try #require(HTTPGet.get("/metrics", from: address)).body
    return try #require(HTTPGet.sample("channelcast_consumers_cut_off_total", in: text))
  }
}
