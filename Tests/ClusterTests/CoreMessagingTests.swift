import Foundation
import NATS
import NATSTestSupport
import Synchronization
import Testing

/// Core NATS messaging against a real nats-server: subscriptions, sends, replies.
@Suite struct CoreMessagingTests {
  @Test func aRequestIsAnsweredByTheSubscriptionThatServesItsSubject() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let service = try NATSConnection(urls: [server.url], name: "service")
    let echo = try NATSSubscription(connection: service, subject: "service.echo") { request in
      guard let reply = request.reply else { return }
      try? service.send(Array(request.data.reversed()), to: reply)
    }
    defer { echo.unsubscribe() }
    try service.flush(timeoutMilliseconds: 2000)

    let client = try NATSConnection(urls: [server.url], name: "client")
    let replies = Received()
    let inbox = client.newInbox()
    let inboxSubscription = try NATSSubscription(
      connection: client, subject: inbox, handler: replies.append)
    defer { inboxSubscription.unsubscribe() }
    try client.send([1, 2, 3], to: "service.echo", replyTo: inbox)

    #expect(replies.wait(for: 1))
    let reply = try #require(replies.messages.first)
    #expect(reply.subject == inbox && reply.data == [3, 2, 1] && !reply.isNoResponders)
  }

  @Test func messagesOfOneSubscriptionArriveInTheOrderSent() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let received = Received()
    let subscription = try NATSSubscription(
      connection: connection, subject: "ordered.>", handler: received.append)
    defer { subscription.unsubscribe() }
    try connection.flush(timeoutMilliseconds: 2000)

    for n in 0..<1000 { try connection.send(Array("\(n)".utf8), to: "ordered.\(n % 7)") }
    try connection.flush(timeoutMilliseconds: 2000)

    #expect(received.wait(for: 1000))
    #expect(
      received.messages.map { String(decoding: $0.data, as: UTF8.self) }
        == (0..<1000).map { "\($0)" })
    #expect(received.messages.allSatisfy { $0.reply == nil })
  }

  @Test func aRequestNobodyServesComesBackAsNoResponders() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let replies = Received()
    let inbox = connection.newInbox()
    let subscription = try NATSSubscription(
      connection: connection, subject: inbox, handler: replies.append)
    defer { subscription.unsubscribe() }
    #expect(connection.newInbox() != inbox)

    try connection.send([1], to: "nobody.listens", replyTo: inbox)

    #expect(replies.wait(for: 1))
    let reply = try #require(replies.messages.first)
    #expect(reply.isNoResponders && reply.subject == inbox && reply.data.isEmpty)
  }

  @Test func afterUnsubscribeTheHandlerIsNeitherRunningNorCalledAgain() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let received = Received()
    let running = Atomic<Int>(0)
    // A slow handler: messages queue up behind it while `unsubscribe()` is called.
    let subscription = try NATSSubscription(connection: connection, subject: "slow") {
      running.add(1, ordering: .sequentiallyConsistent)
      usleep(20_000)
      received.append($0)
      running.subtract(1, ordering: .sequentiallyConsistent)
    }
    try connection.flush(timeoutMilliseconds: 2000)
    for n in 0..<50 { try connection.send([UInt8(n)], to: "slow") }
    try connection.flush(timeoutMilliseconds: 2000)
    #expect(received.wait(for: 1))

    subscription.unsubscribe()
    #expect(running.load(ordering: .sequentiallyConsistent) == 0)
    let handled = received.messages.count
    #expect(handled < 50)
    for n in 0..<10 { try connection.send([UInt8(n)], to: "slow") }
    try connection.flush(timeoutMilliseconds: 2000)
    usleep(200_000)
    #expect(received.messages.count == handled)
    subscription.unsubscribe()
  }
}

/// Messages a handler received, for a test to wait for and read.
private final class Received: Sendable {
  private let received = Mutex<[NATSMessage]>([])

  var messages: [NATSMessage] { received.withLock { $0 } }

  @Sendable func append(_ message: NATSMessage) {
    received.withLock { $0.append(message) }
  }

  /// Whether `count` messages came within 5 s.
  func wait(for count: Int) -> Bool {
    let deadline = Date().addingTimeInterval(5)
    while messages.count < count {
      if Date() > deadline { return false }
      usleep(1_000)
    }
    return true
  }
}
