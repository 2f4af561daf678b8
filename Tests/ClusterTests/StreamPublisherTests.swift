import Foundation
import NATS
import NATSTestSupport
import Testing

/// Publishing batches to JetStream and waiting for all their acknowledgements.
@Suite struct StreamPublisherTests {
  @Test func aBatchIsStoredInOrderWithConsecutiveSequences() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let publisher = try StreamPublisher(connection: connection)

    let outcomes = publisher.publishAll(batch(1...1000), timeoutMilliseconds: 5000)

    #expect(summary(outcomes) == (1...1000).map { "stored \($0)" })
    let reader = try OrderedReader(connection: connection, stream: "LOG", subject: "log.>")
    for n in 1...1000 {
      let message = try #require(try reader.next(timeoutMilliseconds: 2000))
      #expect(message.streamSequence == UInt64(n) && message.data == Array("m\(n)".utf8))
    }
  }

  @Test func aRepeatedMessageIDIsAcknowledgedAsADuplicateOfTheFirst() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let publisher = try StreamPublisher(connection: connection)

    // In one batch, and in a later one.
    let first = publisher.publishAll(batch([1, 2, 1]), timeoutMilliseconds: 5000)
    let again = publisher.publishAll(batch([2, 3]), timeoutMilliseconds: 5000)

    #expect(summary(first) == ["stored 1", "stored 2", "duplicate of 1"])
    #expect(summary(again) == ["duplicate of 2", "stored 3"])
    #expect(try connection.streamState("LOG").lastSequence == 3)
  }

  @Test func aSubjectNoStreamCoversFailsWithNoRespondersWithoutWaiting() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let publisher = try StreamPublisher(connection: connection)
    let messages = [
      OutgoingStreamMessage(subject: "nowhere", data: [1], messageID: "a"),
      OutgoingStreamMessage(subject: "log.a", data: [2], messageID: "b"),
    ]

    let start = Date()
    let outcomes = publisher.publishAll(messages, timeoutMilliseconds: 10_000)

    #expect(Date().timeIntervalSince(start) < 2)
    guard case .failed(let error) = outcomes[0] else {
      Issue.record("expected a failure, got \(outcomes[0])")
      return
    }
    #expect(error.isNoResponders)
    #expect(summary([outcomes[1]]) == ["stored 1"])
  }

  @Test func anUnansweredBatchIsUnresolvedAndResolvedByPublishingItAgain() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let publisher = try StreamPublisher(connection: connection)

    server.pause()
    let start = Date()
    let unanswered = publisher.publishAll(batch(1...100), timeoutMilliseconds: 300)
    #expect(Date().timeIntervalSince(start) < 2)
    #expect(unanswered == Array(repeating: .unresolved, count: 100))
    // The messages were on their way: the server stores them when it goes on, and their late
    // acknowledgements are ignored.
    server.resume()

    let resolved = publisher.publishAll(batch(1...100), timeoutMilliseconds: 5000)
    #expect(summary(resolved) == (1...100).map { "duplicate of \($0)" })
    #expect(try connection.streamState("LOG").lastSequence == 100)
  }

  @Test func aBatchStalledPastMaxPendingUnansweredIsNotSentFurther() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let publisher = try StreamPublisher(connection: connection, maxPending: 10)

    server.pause()
    let stalled = publisher.publishAll(batch(1...100), timeoutMilliseconds: 300)
    server.resume()

    #expect(summary(Array(stalled[..<10])) == Array(repeating: "unresolved", count: 10))
    guard case .failed(let error) = stalled[10] else {
      Issue.record("expected a failure, got \(stalled[10])")
      return
    }
    #expect(error.isTimeout)
    #expect(stalled[10...].allSatisfy { $0 == .failed(error) })
    // The ten sent are stored once; the others only now.
    let again = publisher.publishAll(batch(1...100), timeoutMilliseconds: 5000)
    #expect(summary(again) == (1...100).map { $0 <= 10 ? "duplicate of \($0)" : "stored \($0)" })
  }
}

/// Three servers in a JetStream cluster, a stream with three replicas.
@Suite struct StreamPublisherClusterTests {
  @Test func aBatchIsStoredOnceInAReplicatedStream() throws {
    let ports = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    let routes = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    let servers = try (0..<3).map {
      try NATSServerProcess(
        name: "n\($0 + 1)", port: ports[$0], clusterPort: routes[$0], routes: routes)
    }
    defer { for server in servers { server.stop() } }
    let connection = try NATSConnection(urls: servers.map(\.url), name: "test")
    var stream = StreamConfiguration(name: "LOG", subjects: ["log.>"])
    stream.replicas = 3
    // The cluster elects its JetStream meta leader a few seconds after the routes connect.
    let streamDeadline = Date().addingTimeInterval(20)
    while true {
      do {
        try connection.addStream(stream)
        break
      } catch {
        if Date() > streamDeadline { throw error }
        usleep(200_000)
      }
    }
    let publisher = try StreamPublisher(connection: connection)

    // While the stream's replicas settle, some may fail or go unanswered: publish those again
    // with the same IDs until all are acknowledged.
    var outcomes = [PublishOutcome](repeating: .unresolved, count: 500)
    let messages = batch(1...500)
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      let open = outcomes.indices.filter {
        if case .acknowledged = outcomes[$0] { return false } else { return true }
      }
      if open.isEmpty { break }
      let again = publisher.publishAll(open.map { messages[$0] }, timeoutMilliseconds: 2000)
      for (index, outcome) in zip(open, again) { outcomes[index] = outcome }
    }

    let sequences = outcomes.compactMap { outcome -> UInt64? in
      guard case .acknowledged(let ack) = outcome else { return nil }
      return ack.sequence
    }
    #expect(Set(sequences) == Set(1...500))
    #expect(try connection.streamState("LOG").lastSequence == 500)
  }
}

/// Messages "m<n>" on `log.a` with message ID "id-<n>", for each n of `numbers`.
private func batch(_ numbers: some Sequence<Int>) -> [OutgoingStreamMessage] {
  numbers.map {
    OutgoingStreamMessage(subject: "log.a", data: Array("m\($0)".utf8), messageID: "id-\($0)")
  }
}

/// Each outcome in words: "stored 3", "duplicate of 3", "failed: <error>" or "unresolved".
private func summary(_ outcomes: [PublishOutcome]) -> [String] {
  outcomes.map { outcome in
    switch outcome {
    case .acknowledged(let ack) where ack.isDuplicate: "duplicate of \(ack.sequence)"
    case .acknowledged(let ack): "stored \(ack.sequence)"
    case .failed(let error): "failed: \(error)"
    case .unresolved: "unresolved"
    }
  }
}
