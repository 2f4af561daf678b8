import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing

/// A gateway of a cluster holds a session with every node and attaches its users at each:
/// each node sends the batches of the users of its partitions, so that every recipient comes
/// once in all. Run by `make test-cluster` (with one daemon, the same test holds trivially).
@Suite struct ClusterGatewayTests {
  @Test func aGatewayAttachedAtEveryNodeGetsEachRecipientOnce() throws {
    try withDaemon { daemon in
      let users = (0..<200).map { "gw-user-\($0)" }
      try daemon.channel("@TOA#_gw", subscribers: users.map { ($0, "acceptAndNotify") })
      let sessions = try daemon.gatewayEndpoints.map {
        try GatewaySession(endpoint: $0, context: daemon.context, gatewayID: "gw-1")
      }
      for session in sessions { _ = try session.attach(users) }
      let client = try daemon.client()
      try client.broadcast("@TOA#_gw", payload: "1")
      var received: [String: Int] = [:]
      let deadline = Date().addingTimeInterval(10)
      while received.count < users.count, Date() < deadline {
        for session in sessions {
          while let batch = try session.nextBatch(timeoutMilliseconds: 10) {
            for user in batch.userIDs { received[user.description, default: 0] += 1 }
          }
        }
      }
      #expect(Set(received.keys) == Set(users))
      #expect(received.values.allSatisfy { $0 == 1 }, "\(received.filter { $0.value > 1 })")
    }
  }
}
