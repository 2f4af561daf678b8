import Foundation
import NATS
import NATSTestSupport
import Testing

/// The binding against a real nats-server with JetStream.
@Suite struct JetStreamTests {
  @Test func publishedMessagesAreReadBackInStreamOrderFromAnyStart() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    for n in 1...100 {
      let ack = try connection.publish(Array("m\(n)".utf8), subject: "log.p\(n % 3)")
      #expect(ack.sequence == UInt64(n) && !ack.isDuplicate)
    }
    let reader = try OrderedReader(connection: connection, stream: "LOG", subject: "log.>")
    var read: [String] = []
    while let message = try reader.next(timeoutMilliseconds: 2000) {
      #expect(message.streamSequence == UInt64(read.count + 1))
      read.append(String(decoding: message.data, as: UTF8.self))
      if read.count == 100 { break }
    }
    #expect(read == (1...100).map { "m\($0)" })
    // One partition's subject, from sequence 50 on.
    let partition = try OrderedReader(
      connection: connection, stream: "LOG", subject: "log.p1", startSequence: 50)
    let first = try #require(try partition.next(timeoutMilliseconds: 2000))
    #expect(first.streamSequence == 52 && first.subject == "log.p1")
  }

  @Test func aRepeatedMessageIDIsStoredOnce() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    try connection.addStream(StreamConfiguration(name: "LOG", subjects: ["log.>"]))
    let first = try connection.publish([1], subject: "log.a", messageID: "node-1/42")
    let again = try connection.publish([1], subject: "log.a", messageID: "node-1/42")
    #expect(first.sequence == 1 && !first.isDuplicate)
    #expect(again.sequence == 1 && again.isDuplicate)
    #expect(try connection.publish([2], subject: "log.a", messageID: "node-1/43").sequence == 2)
  }

  @Test func aPublishWithNoStreamFailsWithNoResponders() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    #expect {
      try connection.publish([1], subject: "nowhere", timeoutMilliseconds: 500)
    } throws: { error in
      (error as? NATSError)?.isNoResponders == true
    }
  }

  @Test func connectingWhereNoServerListensFails() throws {
    let port = try NATSServerProcess.freePort()
    #expect(throws: NATSError.self) {
      _ = try NATSConnection(
        urls: ["nats://127.0.0.1:\(port)"], name: "test", timeoutMilliseconds: 500)
    }
  }
}

/// Three servers in a JetStream cluster, a stream with three replicas.
@Suite struct JetStreamClusterTests {
  @Test func anAcknowledgedPublishSurvivesTheStreamLeadersDeath() throws {
    let ports = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    let routes = try (0..<3).map { _ in try NATSServerProcess.freePort() }
    var servers = try (0..<3).map {
      try NATSServerProcess(
        name: "n\($0 + 1)", port: ports[$0], clusterPort: routes[$0], routes: routes)
    }
    defer { for server in servers { server.stop() } }
    let connection = try NATSConnection(urls: servers.map(\.url), name: "test")
    var stream = StreamConfiguration(name: "LOG", subjects: ["log.>"])
    stream.replicas = 3
    // The cluster elects its JetStream meta leader a few seconds after the routes connect.
    try retrying(for: 20) { () throws(NATSError) in try connection.addStream(stream) }
    for n in 1...50 {
      _ = try retrying(for: 20) { () throws(NATSError) in
        try connection.publish(Array("m\(n)".utf8), subject: "log.a", messageID: "m\(n)")
      }
    }
    let leader = try #require(try connection.streamState("LOG").leader)
    let index = try #require(servers.firstIndex { $0.name == leader })
    servers[index].stop()
    servers.remove(at: index)
    // Publishes fail until a new leader is elected (about 5 s), then go on where they were;
    // a retry of a publish that did go through is recognised by its message ID.
    for n in 51...60 {
      let ack = try retrying(for: 30) { () throws(NATSError) in
        try connection.publish(Array("m\(n)".utf8), subject: "log.a", messageID: "m\(n)")
      }
      #expect(ack.sequence == UInt64(n))
    }
    // Making the reader's consumer is a JetStream request too: it may time out while the
    // cluster settles after the election.
    let reader = try retrying(for: 30) { () throws(NATSError) in
      try OrderedReader(connection: connection, stream: "LOG", subject: "log.a")
    }
    var read: [String] = []
    while read.count < 60, let message = try reader.next(timeoutMilliseconds: 5000) {
      read.append(String(decoding: message.data, as: UTF8.self))
    }
    #expect(read == (1...60).map { "m\($0)" })
  }

  /// Calls `body` until it succeeds or `seconds` have passed.
  private func retrying<Result>(for seconds: Double, _ body: () throws(NATSError) -> Result)
    throws -> Result
  {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      do {
        return try body()
      } catch {
        if Date() > deadline { throw error }
        usleep(200_000)
      }
    }
  }
}

/// The key-value binding, and the check that a node's settings agree with the cluster's.
@Suite struct KeyValueTests {
  @Test func createWritesOnlyWhenTheKeyHasNoValue() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let bucket = try KeyValueBucket(connection: connection, name: "cc-test")
    #expect(try bucket.get("k") == nil)
    let first = try #require(try bucket.create("k", [1]))
    #expect(try bucket.create("k", [2]) == nil)
    let stored = try #require(try bucket.get("k"))
    #expect(stored.value == [1] && stored.revision == first)
    let put = try bucket.put("k", [3])
    #expect(put > first)
    #expect(try bucket.get("k")?.value == [3])
    // Bound again by name, the bucket holds the same.
    #expect(try KeyValueBucket(connection: connection, name: "cc-test").get("k")?.value == [3])
  }
}
