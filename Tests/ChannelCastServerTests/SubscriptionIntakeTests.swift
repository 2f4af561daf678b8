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

    // Each gateway subscribes to its users (every fourth), as one holding them online would,
    // and buffers without limit so that it can be read after the others.
    let gateways = try (0..<consumers).map { first in
      try DeliveryConsumer(
        endpoint: daemon.configuration.deliveryEndpoint, context: daemon.context,
        users: Array(users[first...].striding(by: consumers)), receiveHighWaterMark: 0)
    }
    // The daemon is idle meanwhile: nothing it sends applies the subscriptions for it.
    sleep(1)
    let reply = try client.broadcast("@TOA#_everyone", payload: "\"hello\"")
    #expect(reply["recipientCount"] as? Int == total)

    for (number, gateway) in gateways.enumerated() {
      var received = 0
      while try gateway.receive(timeoutMilliseconds: 5000) != nil {
        received += 1
        if received == Self.usersPerConsumer { break }
      }
      #expect(received == Self.usersPerConsumer, "gateway \(number) missed deliveries")
    }
  }
}

extension ArraySlice {
  /// Every `step`-th element, from the first.
  fileprivate func striding(by step: Int) -> [Element] {
    stride(from: startIndex, to: endIndex, by: step).map { self[$0] }
  }
}
