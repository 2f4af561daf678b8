import Testing
import ZeroMQ

@Suite("Messaging patterns")
struct MessagingPatternTests {
  @Test func requestAndReplyMakeARoundTrip() throws {
    try withIPCDirectory { directory in
      let context = try ZMQContext()
      let server = try makeSocket(context, .rep)
      let client = try makeSocket(context, .req)
      try server.bind(directory.endpoint("rep"))
      try client.connect(directory.endpoint("rep"))

      try client.send("ping")
      let request = try server.receiveFrame()
      #expect(request?.bytes == bytes("ping"))
      #expect(request?.hasMore == false)
      try server.send("pong")
      #expect(try client.receiveMultipart() == [bytes("pong")])
    }
  }

  @Test func routerSeesTheDealerIdentityAndEmptyDelimiter() throws {
    let context = try ZMQContext()
    let router = try makeSocket(context, .router)
    let dealer = try makeSocket(context, .dealer)
    try dealer.setOption(.routingID, bytes("dealer-1"))
    try router.bind("tcp://127.0.0.1:*")
    try dealer.connect(router.lastEndpoint)

    try dealer.sendMultipart([[], bytes("hello")])
    let request = try router.receiveMultipart()
    #expect(request == [bytes("dealer-1"), [], bytes("hello")])

    try router.sendMultipart([bytes("dealer-1"), [], bytes("world")])
    #expect(try dealer.receiveMultipart() == [[], bytes("world")])
  }

  @Test func subscriberGetsOnlyItsTopic() throws {
    let context = try ZMQContext()
    let publisher = try makeSocket(context, .pub)
    let subscriber = try makeSocket(context, .sub)
    try publisher.bind("tcp://127.0.0.1:*")
    try subscriber.connect(publisher.lastEndpoint)
    try subscriber.subscribe("alice\0")

    // A PUB socket sends nothing until the subscription has arrived ("slow joiner"), so keep
    // publishing both topics until the first message for alice gets through.
    var received: [[UInt8]] = []
    for _ in 0..<500 where received.isEmpty {
      try publisher.send("bob\0warm-up")
      try publisher.send("alice\0warm-up")
      if let message = try subscriber.receiveMultipart(dontWait: true) {
        received.append(message[0])
      } else {
        _ = try Poller.poll([(subscriber, .readable)], timeoutMilliseconds: 10)
      }
    }
    try publisher.send("bob\0last")
    try publisher.send("alice\0last")
    while received.last != bytes("alice\0last") {
      received.append(try #require(try subscriber.receiveFrame()).bytes)
    }

    #expect(received.allSatisfy { $0.starts(with: bytes("alice\0")) })
  }

  @Test func xpubReceivesSubscriptionsAndFiltersByTopic() throws {
    let context = try ZMQContext()
    let publisher = try makeSocket(context, .xpub)
    let subscriber = try makeSocket(context, .sub)
    try publisher.bind("tcp://127.0.0.1:*")
    try subscriber.connect(publisher.lastEndpoint)
    try subscriber.subscribe("alice\0")

    // First byte 1 means subscribe (0 would mean unsubscribe), then the topic.
    let subscription = try publisher.receiveFrame()
    #expect(subscription?.bytes == [1] + bytes("alice\0"))

    try publisher.send("bob\0for bob")
    try publisher.send("alice\0for alice")
    #expect(try subscriber.receiveFrame()?.bytes == bytes("alice\0for alice"))
    #expect(try subscriber.receiveFrame(dontWait: true) == nil)
  }
}
