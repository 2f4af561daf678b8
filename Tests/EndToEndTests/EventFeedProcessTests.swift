import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing
import ZeroMQ

/// The event feed of the built `channelcastd`: `logSeq` survives a kill -9 (recovery from the
/// journal, with and without snapshots in between) and a clean stop, and `channelcast events`
/// prints the feed as JSON lines.
@Suite struct EventFeedProcessTests {
  /// A daemon process with its feed on, in a directory the test removes.
  private static func daemon(in directory: URL, arguments: [String] = []) throws -> (
    DaemonProcess, eventsEndpoint: String
  ) {
    let eventsEndpoint = "ipc://\(directory.path)/events"
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: ["--events-endpoint", eventsEndpoint] + arguments)
    return (daemon, eventsEndpoint)
  }

  /// Subscribes to the feed and returns once the subscription is active: probe users are
  /// subscribed to a fresh probe channel until one of their events arrives. The probe events'
  /// `logSeq`s must follow `publishedBefore` with no gap: the numbering went on from where the
  /// daemon (or its previous run) left it. Returns the `logSeq` of the last record published.
  private static func readySubscriber(
    _ endpoint: String, client: ChannelCastClient, publishedBefore: Int
  ) throws -> (EventFeedSubscriber, lastLogSeq: Int) {
    let feed = try EventFeedSubscriber(endpoint: endpoint, context: .endToEndTests)
    let probeChannel = "@TOA#_probe-\(UUID().uuidString.prefix(8))"
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": probeChannel, "ownerUserID": "o", "officialAccountName": "probe"])
    for probe in 0..<100 {
      _ = try client.resultOf(
        "subscribeOfficialAccount", ["officialAccountID": probeChannel, "userID": "p\(probe)"])
      while let event = try feed.receive(timeoutMilliseconds: 50) {
        let object = try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any]
        guard let object, object["officialAccountID"] as? String == probeChannel else { continue }
        let user = (object["userID"] as? String).flatMap { Int($0.dropFirst()) }
        #expect(
          object["logSeq"] as? Int == publishedBefore + 1 + (user.map { $0 + 1 } ?? 0),
          "\(object)")
        while try feed.receive(timeoutMilliseconds: 50) != nil {}
        return (feed, publishedBefore + 2 + probe)
      }
    }
    throw UnexpectedReply(description: "no probe event arrived on \(endpoint)")
  }

  /// Publishes a channel, three subscribers and two messages (6 records, and the fan-outs'
  /// bookkeeping, which takes no logSeq), checking each event's logSeq.
  private static func workload(
    _ feed: EventFeedSubscriber, client: ChannelCastClient, after last: Int, channel: String
  ) throws -> Int {
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": channel, "ownerUserID": "o", "officialAccountName": "w"])
    _ = try client.resultOf(
      "subscribeOfficialAccount", ["officialAccountID": channel, "userIDList": ["a", "b", "c"]])
    for payload in 1...2 {
      _ = try client.resultOf("sendMessage", ["officialAccountID": channel, "payload": payload])
    }
    var logSeqs: [Int] = []
    while logSeqs.count < 6, let event = try feed.receive(timeoutMilliseconds: 5000) {
      let object = try JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any]
      logSeqs.append(object?["logSeq"] as? Int ?? -1)
    }
    #expect(logSeqs == Array((last + 1)...(last + 6)))
    return last + 6
  }

  @Test(
    .timeLimit(.minutes(2)),
    arguments: [
      ["--snapshot-journal-bytes", "67108864"],  // the journal alone
      ["--snapshot-journal-bytes", "4096"],  // snapshots written in the background as well
    ])
  func logSeqContinuesAfterKillNine(arguments: [String]) async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (daemon, endpoint) = try Self.daemon(in: directory, arguments: arguments)
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    var published = 0
    do {
      let client = try daemon.client()
      let (feed, last) = try Self.readySubscriber(endpoint, client: client, publishedBefore: 0)
      published = try Self.workload(feed, client: client, after: last, channel: "@TOA#_w1")
      // Enough journal for the 4096-byte setting to rotate and snapshot several times.
      for round in 0..<40 {
        _ = try client.resultOf(
          "sendMessage",
          [
            "officialAccountID": "@TOA#_w1",
            "payload": String(repeating: "x", count: 200) + "\(round)",
          ])
      }
      published += 40
    }
    try await daemon.kill9()
    try daemon.restart()
    try await daemon.waitUntilServing()
    let client = try daemon.client()
    let (feed, last) = try Self.readySubscriber(
      endpoint, client: client, publishedBefore: published)
    _ = try Self.workload(feed, client: client, after: last, channel: "@TOA#_w2")
  }

  @Test(.timeLimit(.minutes(2)))
  func logSeqContinuesAfterACleanStop() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (daemon, endpoint) = try Self.daemon(in: directory)
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    var published = 0
    do {
      let client = try daemon.client()
      let (feed, last) = try Self.readySubscriber(endpoint, client: client, publishedBefore: 0)
      published = try Self.workload(feed, client: client, after: last, channel: "@TOA#_w1")
    }
    try await daemon.terminate()
    try daemon.restart()
    try await daemon.waitUntilServing()
    let client = try daemon.client()
    let (feed, last) = try Self.readySubscriber(
      endpoint, client: client, publishedBefore: published)
    _ = try Self.workload(feed, client: client, after: last, channel: "@TOA#_w2")
  }

  @Test(.timeLimit(.minutes(2)))
  func channelcastEventsPrintsTheFeedAsJSONLines() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (daemon, endpoint) = try Self.daemon(in: directory)
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    let events = try ChildProcess(
      BuiltProducts.executable(named: "channelcast"),
      ["events", "--events-endpoint", endpoint, "--type", "subscribed", "--type", "messageSent"],
      capturingIn: directory)
    defer { events.stop() }
    let client = try daemon.client()
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": "@TOA#_cli", "ownerUserID": "o", "officialAccountName": "cli"])
    // Until the command's subscription has reached the daemon, events are not seen.
    var probes = 0
    while events.standardOutput.isEmpty, probes < 100 {
      _ = try client.resultOf(
        "subscribeOfficialAccount", ["officialAccountID": "@TOA#_cli", "userID": "p\(probes)"])
      probes += 1
      try await Task.sleep(for: .milliseconds(50))
    }
    _ = try client.resultOf("sendMessage", ["officialAccountID": "@TOA#_cli", "payload": ["k": 1]])
    _ = try client.resultOf(
      "unsubscribeOfficialAccount", ["officialAccountID": "@TOA#_cli", "userID": "p0"])
    _ = try client.resultOf("sendMessage", ["officialAccountID": "@TOA#_cli", "payload": "end"])
    let deadline = ContinuousClock.now + .seconds(10)
    while !events.standardOutput.contains(#""payload":"end""#), ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(20))
    }
    let lines = events.standardOutput.split(separator: "\n")
    let objects = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(objects.allSatisfy { ["subscribed", "messageSent"].contains($0["type"] as? String) })
    #expect(objects.suffix(2).map { $0["type"] as? String } == ["messageSent", "messageSent"])
    #expect((objects.suffix(2).first?["payload"] as? [String: Any])?["k"] as? Int == 1)
    // The unsubscribe between the two messages took a logSeq this command did not ask for.
    let last = objects.suffix(2).map { $0["logSeq"] as? Int ?? 0 }
    #expect(last.count == 2 && last[1] == last[0] + 2)
  }

  @Test func channelcastEventsRefusesAnUnknownType() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let events = try ChildProcess(
      BuiltProducts.executable(named: "channelcast"),
      ["events", "--events-endpoint", "ipc://\(directory.path)/none", "--type", "message"],
      capturingIn: directory)
    defer { events.stop() }
    try #require(await events.waitForExit())
    #expect(events.exitStatus == 64)
    #expect(events.standardError.contains("--type message is not an event type; the types are"))
    #expect(events.standardError.contains("subscriberMessage"))
  }
}
