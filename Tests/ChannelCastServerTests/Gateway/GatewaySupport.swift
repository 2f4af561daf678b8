import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Testing
import ZeroMQ

@testable import ChannelCastServer

/// A loopback port nothing listens on now (bound and released).
func freeLoopbackPort() throws -> Int {
  let context = try ZMQContext()
  let socket = try Socket(context: context, type: .rep)
  defer { socket.close() }
  try socket.bind("tcp://127.0.0.1:*")
  return Int(try socket.lastEndpoint.split(separator: ":").last!)!
}

extension TestDaemon {
  /// A gateway session with this daemon, said hello.
  func gateway(_ gatewayID: String, timeoutMilliseconds: Int = 10_000) throws -> GatewaySession {
    try GatewaySession(
      endpoint: configuration.gatewayEndpoint, context: context, gatewayID: gatewayID,
      timeoutMilliseconds: timeoutMilliseconds)
  }

  /// Creates a channel and subscribes `users`, each with its flag.
  func channel(_ id: String, subscribers users: [(String, String)]) throws {
    let client = try client()
    try client.expectOK(.createOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("ownerUserID", "owner")
      $0.add("officialAccountName", "Gateway test")
    }
    for (user, flag) in users {
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", id)
        $0.add("userID", user)
      }
      if flag != "acceptAndNotify" {
        try client.expectOK(.setSubscriptionOptions) {
          $0.add("officialAccountID", id)
          $0.add("userID", user)
          $0.add("msgFlag", flag)
        }
      }
    }
  }

  /// Waits until the daemon's gateway status satisfies `condition`. It polls on the calling
  /// thread without suspending: a task sleeping in the cooperative pool can wake seconds late
  /// while other tests block the pool's threads.
  func waitForGateways(
    timeoutSeconds: Double = 10,
    _ condition: (_ sessions: Int, _ attachedUsers: Int) -> Bool
  ) -> Bool {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
      if let status = daemon.gatewayStatus, condition(status.sessions, status.attachedUsers) {
        return true
      }
      usleep(5_000)
    }
    return false
  }
}

extension GatewaySession {
  /// Batches until `predicate` holds for what was received, or the timeout.
  func batches(
    within timeoutMilliseconds: Int = 10_000, until predicate: ([Batch]) -> Bool
  ) throws -> [Batch] {
    var batches: [Batch] = []
    let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
    while !predicate(batches), Date() < deadline {
      if let batch = try nextBatch(timeoutMilliseconds: 50) { batches.append(batch) }
    }
    return batches
  }

  /// Every batch that arrives within `milliseconds`.
  func batches(for milliseconds: Int) throws -> [Batch] {
    try batches(within: milliseconds) { _ in false }
  }
}

extension GatewaySession.Batch {
  /// The envelope's fields.
  var fields: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(envelope))) as? [String: Any] ?? [:]
  }

  var type: String { fields["type"] as? String ?? "" }
  var users: [String] { userIDs.map(\.description) }
}
