import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing

@testable import ChannelCastServer

/// A daemon with its event feed on, at `ipc://.../events` in its own directory.
func withEventFeed<T>(
  configure: (inout DaemonConfiguration) -> Void = { _ in }, body: (TestDaemon) throws -> T
) throws -> T {
  let daemon = try TestDaemon {
    $0.eventsEndpoint =
      "ipc://\(URL(fileURLWithPath: $0.dataDirectory).deletingLastPathComponent().path)/events"
    configure(&$0)
  }
  defer { daemon.stop() }
  return try body(daemon)
}

/// One event as the tests read it: its topic and its JSON object.
struct ReceivedEvent {
  let topic: FeedEventType
  let object: [String: Any]

  var logSeq: Int { object["logSeq"] as? Int ?? -1 }
  var type: String { object["type"] as? String ?? "" }
  subscript(key: String) -> Any? { object[key] }
}

extension TestDaemon {
  /// A subscriber of the feed, returned once its subscription is active in the daemon, and the
  /// `logSeq` of the last event published so far. ZeroMQ subscriptions reach a PUB socket a
  /// moment after connecting, so it subscribes probe users to a probe channel (one `subscribed`
  /// event each, which `types` must include when not empty) until one of their events arrives.
  /// The first probe event it receives must carry the number of records the daemon has
  /// published: numbering starts at 1 and skips nothing.
  func eventSubscriber(
    types: [FeedEventType] = [], curve: CurveClientCredentials? = nil,
    client: ChannelCastClient? = nil, publishedBefore: Int = 0
  ) throws -> (EventFeedSubscriber, lastLogSeq: Int) {
    let subscriber = try EventFeedSubscriber(
      endpoint: configuration.eventsEndpoint, context: context, types: types, curve: curve)
    let client = try client ?? self.client()
    let probeChannel = "@TOA#_feedprobe-\(UUID().uuidString.prefix(8))"
    try client.createChannel(probeChannel)
    // The probe channel's event is record publishedBefore + 1, probe-i's publishedBefore + 2 + i.
    let created = publishedBefore + 1
    for probe in 0..<100 {
      try client.subscribe("probe-\(probe)", to: probeChannel)
      while let event = try subscriber.receive(timeoutMilliseconds: 50) {
        let object = try JSON.object(event.json)
        guard object["officialAccountID"] as? String == probeChannel else { continue }
        let user = (object["userID"] as? String)?.dropFirst("probe-".count)
        #expect(
          object["logSeq"] as? Int == created + (user.flatMap { Int($0) }.map { $0 + 1 } ?? 0))
        while try subscriber.receive(timeoutMilliseconds: 50) != nil {}
        return (subscriber, created + probe + 1)
      }
    }
    throw ClientError.timedOut(milliseconds: 5000)
  }
}

extension EventFeedSubscriber {
  /// The next `count` events, failing the test after `silenceMilliseconds` without one.
  func receive(_ count: Int, silenceMilliseconds: Int = 5000) throws -> [ReceivedEvent] {
    var received: [ReceivedEvent] = []
    while received.count < count {
      guard let event = try receive(timeoutMilliseconds: silenceMilliseconds) else {
        Issue.record("received \(received.count) of \(count) events")
        break
      }
      received.append(ReceivedEvent(topic: event.type, object: try JSON.object(event.json)))
    }
    return received
  }

  /// Records an issue if any event arrives within `milliseconds`.
  func expectSilence(milliseconds: Int = 300, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    if let event = try receive(timeoutMilliseconds: milliseconds) {
      Issue.record(
        "unexpected event: \(String(decoding: event.json, as: UTF8.self))",
        sourceLocation: sourceLocation)
    }
  }
}
