import ChannelCastClient
import Foundation
import Testing
import ZeroMQ

/// A broadcast acknowledged to its publisher whose fan-out a crash cut short: a consumer that
/// stopped reading held the fan-out (the delivery socket waits for it), and the daemon was
/// killed meanwhile.
@Suite struct InterruptedFanOutTests {
  static let channel = "@TOA#_fanout"
  static let subscriberCount = 20_000
  static let userIDs = (0..<subscriberCount).map { String(format: "user%05d", $0) }

  @Test func aFanOutCutShortByACrashIsSentAgainAtTheNextStart() async throws {
    let daemon = try DaemonProcess(arguments: ["--delivery-high-water-mark", "1"])
    defer { daemon.stop() }
    let (_, holder) = try await Self.sendWhileAConsumerHoldsTheFanOut(daemon)
    try await daemon.kill9()
    withExtendedLifetime(holder) {}

    try daemon.restart()
    try await daemon.waitUntilServing()

    // No request is sent: what the delivery socket is handed is the message sent again.
    let client = try daemon.client()
    var sent = 0
    for _ in 0..<500 where sent < Self.subscriberCount {
      sent = try client.resultOf("stats")["deliveriesSent"] as? Int ?? 0
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(sent >= Self.subscriberCount)
  }

  /// The restarted daemon sends the message again as soon as it has recovered, so a consumer
  /// receives it only if it has reconnected by then: libzmq retries a connection every 100 ms.
  /// Here recovery replays a journal of 50,000 records, which takes three times that or more
  /// (about 350 ms in a debug build), so the consumer is back in time.
  @Test func aConsumerThatReconnectsWhileTheDaemonRecoversGetsTheMessageForEverySubscriber()
    async throws
  {
    let daemon = try DaemonProcess(arguments: ["--delivery-high-water-mark", "1"])
    defer { daemon.stop() }
    let (msgKey, holder) = try await Self.sendWhileAConsumerHoldsTheFanOut(
      daemon, paddingSubscriptions: 30_000)
    try await daemon.kill9()
    withExtendedLifetime(holder) {}
    let consumer = try DeliveryConsumer(
      endpoint: daemon.deliveryEndpoint, context: .endToEndTests, receiveHighWaterMark: 0)

    try daemon.restart()

    let missing = try Self.usersWithout(msgKey, from: consumer)
    #expect(missing.count == 0, "e.g. \(missing.prefix(5))")
  }

  /// The same, when the daemon recovers from a snapshot (taken while the fan-out was held),
  /// which loads in well under 100 ms.
  @Test
  func aConsumerConnectedBeforeARestartGetsTheMessageForEverySubscriber() async throws {
    let daemon = try DaemonProcess(arguments: [
      "--delivery-high-water-mark", "1", "--snapshot-interval-seconds", "1",
    ])
    defer { daemon.stop() }
    let (msgKey, holder) = try await Self.sendWhileAConsumerHoldsTheFanOut(daemon)
    try await Task.sleep(for: .seconds(2))  // a snapshot holds the message in flight now
    try await daemon.kill9()
    withExtendedLifetime(holder) {}
    let consumer = try DeliveryConsumer(
      endpoint: daemon.deliveryEndpoint, context: .endToEndTests, receiveHighWaterMark: 0)

    try daemon.restart()

    let missing = try Self.usersWithout(msgKey, from: consumer)
    #expect(missing.count == 0, "e.g. \(missing.prefix(5))")
  }

  /// SIGTERM while a consumer holds a large fan-out: the daemon stops taking commands but waits
  /// for the fan-out (up to `shutdownTimeoutSeconds`), so once the consumer reads again it gets
  /// every delivery, and the daemon then exits 0.
  @Test func aStopDuringALargeFanOutDeliversEveryMessageAndExitsZero() async throws {
    let daemon = try DaemonProcess(arguments: ["--delivery-high-water-mark", "1"])
    defer { daemon.stop() }
    let (msgKey, holder) = try await Self.sendWhileAConsumerHoldsTheFanOut(daemon)

    daemon.process.send(SIGTERM)
    try await Task.sleep(for: .milliseconds(300))
    #expect(daemon.process.isRunning, "the daemon stopped before its fan-out finished")
    let missing = try Self.usersWithout(msgKey, from: holder)

    #expect(missing.isEmpty, "e.g. \(missing.prefix(5))")
    try #require(await daemon.process.waitForExit(), "channelcastd did not stop")
    #expect(daemon.process.exitedNormally && daemon.process.exitStatus == 0)
  }

  /// Reads deliveries until every subscriber has had the message `msgKey`, or none comes for
  /// five seconds; returns the subscribers who had none.
  private static func usersWithout(_ msgKey: String, from consumer: DeliveryConsumer) throws
    -> Set<String>
  {
    var missing = Set(userIDs)
    let deadline = ContinuousClock.now + .seconds(60)
    while !missing.isEmpty, ContinuousClock.now < deadline,
      let delivery = try consumer.receive(timeoutMilliseconds: 5_000)
    {
      if String(decoding: delivery.envelope, as: UTF8.self).contains(#""msgKey":"\#(msgKey)""#) {
        missing.remove(String(decoding: delivery.userID, as: UTF8.self))
      }
    }
    return missing
  }

  /// Subscribes every user (and `paddingSubscriptions` users to another channel, to lengthen
  /// the journal), connects a consumer of every delivery that reads only until its subscription
  /// is known to be active, then sends the message whose fan-out that consumer holds up.
  /// Returns the message's key and the consumer, which holds the fan-out as long as it lives,
  /// once the fan-out is seen to wait.
  private static func sendWhileAConsumerHoldsTheFanOut(
    _ daemon: DaemonProcess, paddingSubscriptions: Int = 0
  ) async throws -> (msgKey: String, holder: DeliveryConsumer) {
    try await daemon.waitUntilServing()
    let client = try daemon.client()
    try subscribe(userIDs, to: channel, with: client)
    let padding = (0..<paddingSubscriptions).map { String(format: "padding%05d", $0) }
    try subscribe(padding, to: "@TOA#_padding", with: client)
    try subscribe(["probe"], to: "@TOA#_probe", with: client)
    // The subscribe events go out to nobody before anyone listens.
    try await waitUntilNothingIsQueued(client)

    let holder = try DeliveryConsumer(
      endpoint: daemon.deliveryEndpoint, context: .endToEndTests, receiveHighWaterMark: 1)
    var listening = false
    for _ in 0..<200 where !listening {
      _ = try client.resultOf("sendMessage", ["officialAccountID": "@TOA#_probe", "payload": 0])
      listening = try holder.receive(timeoutMilliseconds: 50) != nil
    }
    try #require(listening, "the consumer never received a probe")
    while try holder.receive(timeoutMilliseconds: 100) != nil {}

    let sent = try client.resultOf("sendMessage", ["officialAccountID": channel, "payload": "hi"])
    try await Task.sleep(for: .milliseconds(300))
    try #require(try queuedDeliveries(client) > 0, "the fan-out finished without the consumer")
    return (try #require(sent["msgKey"] as? String), holder)
  }

  private static func subscribe(
    _ userIDs: [String], to channel: String, with client: ChannelCastClient
  ) throws {
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": channel, "ownerUserID": "editor", "officialAccountName": channel])
    for batch in stride(from: 0, to: userIDs.count, by: 1000) {
      _ = try client.resultOf(
        "subscribeOfficialAccount",
        [
          "officialAccountID": channel,
          "userIDList": Array(userIDs[batch..<min(batch + 1000, userIDs.count)]),
        ])
    }
  }

  private static func waitUntilNothingIsQueued(_ client: ChannelCastClient) async throws {
    for _ in 0..<500 {
      if try queuedDeliveries(client) == 0 { return }
      try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the fan-out of the subscribe events never finished")
  }

  private static func queuedDeliveries(_ client: ChannelCastClient) throws -> Int {
    let stats = try client.resultOf("stats")
    return (stats["shardQueueDepths"] as? [Int] ?? []).reduce(0, +)
  }
}
