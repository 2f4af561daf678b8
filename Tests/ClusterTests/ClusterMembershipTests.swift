import ChannelCastCluster
import Foundation
import NATS
import NATSTestSupport
import Testing

/// A node's lease, from its own heartbeats, against a real nats-server.
@Suite struct ClusterMembershipTests {
  /// A lease that lapsed (no heartbeat written for half the owner timeout: the NATS server
  /// paused here, the node itself in the fault test) comes back with a new term, so that a node
  /// whose heartbeat thread wins it back before its command thread looks still sees the lapse.
  @Test func aLeaseWonBackAfterALapseHasANewTerm() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test", timeoutMilliseconds: 200)
    var settings = ClusterMembership.Settings()
    settings.heartbeatMilliseconds = 50
    settings.ownerTimeoutMilliseconds = 400
    let membership = try ClusterMembership(
      connection: connection, name: "a", identity: "a/1", watermark: 0, applied: 0,
      settings: settings
    ) { _ in }
    defer { membership.stop() }
    let first = try #require(membership.lease)
    server.pause()
    usleep(600_000)
    #expect(membership.lease == nil)
    server.resume()
    let deadline = ContinuousClock.now + .seconds(10)
    while membership.lease == nil, ContinuousClock.now < deadline { usleep(20_000) }
    let second = try #require(membership.lease)
    #expect(second != first)
  }
}
