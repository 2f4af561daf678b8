import ChannelCastClient
import ChannelCastCore
import Foundation
import Testing

/// Subscriptions are taken in as they arrive: gateways that subscribe their users one topic
/// each have every subscription in force within a second of connecting to an idle daemon.
@Suite struct SubscriptionIntakeTests {
  /// Users per consumer: the scale of the report (4 × 250,000) except under ThreadSanitizer
  /// (`make test-tsan` sets TSAN_OPTIONS), which makes each step many times slower and runs
  /// the same test at a tenth of it.
  private static let usersPerConsumer =
    ProcessInfo.processInfo.environment["TSAN_OPTIONS"] == nil ? 250_000 : 25_000

  @Test func fourGatewaysOfAQuarterMillionUsersEachMissNothingOfTheNextBroadcast() throws {
    let consumers = 4
    let total = consumers * Self.usersPerConsumer
    let daemon = try TestDaemon { $0.limits.maxSubscriberCount = total }
    defer { daemon.stop() }
    let client = try daemon.client(timeoutMilliseconds: 120_000)
    try client.createChannel("@TOA#_everyone", maxSubscriberCount: total)
    let users = (0..<total).map { "user-\($0)" }
    try client.subscribe(users, to: "@TOA#_everyone")
    // A small channel of each gateway's last user: its broadcast goes out at once, before
    // sending has made libzmq apply anything.
    let lastUsers = Array(users.suffix(consumers))
    try client.createChannel("@TOA#_last")
    try client.subscribe(lastUsers, to: "@TOA#_last")

    // The subscribed events of a million users take the shards a while; the daemon must be
    // idle when the gateways connect, with nothing sending that would apply subscriptions.
    for _ in 0..<6000 {
      let depths = try client.expectOK(.stats)["shardQueueDepths"] as? [Int] ?? []
      if depths.allSatisfy({ $0 == 0 }) { break }
      usleep(10_000)
    }
    usleep(100_000)

    // Each gateway subscribes to its users (every fourth), as one holding them online would,
    // and buffers without limit so that it can be read after the others.
    let gateways = try (0..<consumers).map { first in
      try DeliveryConsumer(
        endpoint: daemon.configuration.deliveryEndpoint, context: daemon.context,
        users: Array(users[first...].striding(by: consumers)), receiveHighWaterMark: 0)
    }
    // The daemon is idle meanwhile: nothing it sends applies the subscriptions for it, yet
    // every one of them comes into force, counted by the daemon once libzmq has applied it.
    // (How soon is a figure of the harness, `megacast --consumers 4 --per-user-topics`, in a
    // release build; this debug build shares two cores with the other tests.)
    let connected = ContinuousClock.now
    let address = try #require(daemon.daemon.metricsAddress)
    var topics = 0.0
    while topics < Double(total) && ContinuousClock.now - connected < .seconds(60) {
      let text = try #require(HTTPGet.get("/metrics", from: address)).body
      topics = try #require(HTTPGet.sample("channelcast_subscribed_topics", in: text))
      usleep(10_000)
    }
    #expect(topics == Double(total), "\(topics) topics in force after a minute")
    try client.broadcast("@TOA#_last", payload: "\"first\"")
    let reply = try client.broadcast("@TOA#_everyone", payload: "\"hello\"")
    #expect(reply["recipientCount"] as? Int == total)

    for (number, gateway) in gateways.enumerated() {
      // Every user of the gateway gets the large broadcast, and its last user (whose
      // subscription was the gateway's last) the small channel's as well. The two arrive in
      // either order: they go through different shards.
      let lastUser = Array(lastUsers[number].utf8)
      var received = 0
      var lastUserMessages = 0
      while let delivery = try gateway.receive(timeoutMilliseconds: 5000) {
        received += 1
        if delivery.userID == lastUser { lastUserMessages += 1 }
        if received == Self.usersPerConsumer + 1 { break }
      }
      #expect(received == Self.usersPerConsumer + 1, "gateway \(number) missed deliveries")
      #expect(lastUserMessages == 2, "gateway \(number): its last user got \(lastUserMessages)")
    }
  }
}

extension ArraySlice {
  /// Every `step`-th element, from the first.
  fileprivate func striding(by step: Int) -> [Element] {
    stride(from: startIndex, to: endIndex, by: step).map { self[$0] }
  }
}
