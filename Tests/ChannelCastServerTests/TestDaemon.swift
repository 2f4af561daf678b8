import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import ChannelCastServer
import Foundation
import Logging
import Testing
import ZeroMQ

/// A daemon started in-process on `ipc://` endpoints in its own temporary directory, with a
/// client context for the test's sockets. `stop()` shuts it down and removes the directory.
final class TestDaemon {
  let directory: URL
  let configuration: DaemonConfiguration
  let daemon: ChannelCastDaemon
  let context: ZMQContext

  init(configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-test-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var configuration = DaemonConfiguration()
    configuration.commandEndpoint = "ipc://\(directory.path)/command"
    configuration.deliveryEndpoint = "ipc://\(directory.path)/delivery"
    configuration.gatewayEndpoint = "ipc://\(directory.path)/gateway"
    configuration.dataDirectory = directory.appendingPathComponent("data").path
    configuration.fsync = .never
    configuration.metricsAddress = "127.0.0.1:0"
    configuration.shards = 4
    configuration.shutdownTimeoutSeconds = 60
    configure(&configuration)
    self.configuration = configuration
    var logger = Logger(label: "test-daemon")
    logger.logLevel =
      ProcessInfo.processInfo.environment["CHANNELCAST_TEST_LOG"] == "info" ? .info : .warning
    do {
      daemon = try ChannelCastDaemon(configuration: configuration, logger: logger)
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
    context = try ZMQContext()
  }

  func stop() {
    daemon.shutdown()
    try? FileManager.default.removeItem(at: directory)
  }

  func client(timeoutMilliseconds: Int = 10_000) throws -> ChannelCastClient {
    try ChannelCastClient(
      endpoint: configuration.commandEndpoint, context: context,
      timeoutMilliseconds: timeoutMilliseconds)
  }

  /// A consumer subscribed to `users` (or everyone), returned only once its subscriptions are
  /// active in the daemon, so that no delivery sent afterwards can be missed.
  func consumer(users: [String]? = nil, receiveHighWaterMark: Int32? = nil) throws
    -> DeliveryConsumer
  {
    let probeUser = "probe-\(UUID().uuidString)"
    let consumer = try DeliveryConsumer(
      endpoint: configuration.deliveryEndpoint, context: context,
      users: users.map { $0 + [probeUser] }, receiveHighWaterMark: receiveHighWaterMark)
    let client = try client()
    let probeChannel = "@TOA#_probe-\(UUID().uuidString.prefix(12))"
    try client.expectOK(.createOfficialAccount) {
      $0.add("officialAccountID", probeChannel)
      $0.add("ownerUserID", "probe-owner")
      $0.add("officialAccountName", "probe")
    }
    // Subscriptions travel to the XPUB socket asynchronously: subscribe the probe user until
    // its event arrives, which proves every earlier subscription of this consumer is active.
    for _ in 0..<100 {
      try client.expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", probeChannel)
        $0.add("userID", probeUser)
      }
      while let delivery = try consumer.receive(timeoutMilliseconds: 50) {
        if delivery.userID == Array(probeUser.utf8) {
          try client.expectOK(.deleteOfficialAccount) { $0.add("officialAccountID", probeChannel) }
          try drainEarlierDeliveries(consumer, client: client)
          return consumer
        }
      }
      try client.expectOK(.unsubscribeOfficialAccount) {
        $0.add("officialAccountID", probeChannel)
        $0.add("userID", probeUser)
      }
    }
    throw ClientError.timedOut(milliseconds: 5000)
  }

  /// Discards what was submitted before the consumer was ready: the probe's events, and events
  /// of other channels (which the shards may deliver after the probe's), so that a test sees
  /// only what it causes afterwards.
  private func drainEarlierDeliveries(_ consumer: DeliveryConsumer, client: ChannelCastClient)
    throws
  {
    for _ in 0..<500 {
      let stats = try client.expectOK(.stats)
      if (stats["shardQueueDepths"] as? [Int] ?? []).allSatisfy({ $0 == 0 }) { break }
      usleep(10_000)
    }
    while try consumer.receive(timeoutMilliseconds: 100) != nil {}
  }
}

/// Runs `body` with a started daemon and always stops it.
@discardableResult
func withDaemon<T>(_ body: (TestDaemon) throws -> T) throws -> T {
  let daemon = try TestDaemon()
  defer { daemon.stop() }
  return try body(daemon)
}

/// Runs `body` with a daemon whose configuration has one setting changed.
@discardableResult
func withDaemon<Value, T>(
  setting key: WritableKeyPath<DaemonConfiguration, Value>, to value: Value,
  _ body: (TestDaemon) throws -> T
) throws -> T {
  let daemon = try TestDaemon { $0[keyPath: key] = value }
  defer { daemon.stop() }
  return try body(daemon)
}

extension ChannelCastClient {
  /// Calls `op` and returns the result as Foundation objects, recording an issue when the reply
  /// is not ok.
  @discardableResult
  func expectOK(
    _ op: RequestOp, sourceLocation: SourceLocation = #_sourceLocation,
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) throws -> [String: Any] {
    let reply = try call(op, fill)
    #expect(
      reply.ok, "\(op) failed: \(String(decoding: reply.raw, as: UTF8.self))",
      sourceLocation: sourceLocation)
    return try JSON.object(reply.raw)["result"] as? [String: Any] ?? [:]
  }

  /// Calls `op` and returns the whole error object, recording an issue unless it failed with
  /// `code`.
  @discardableResult
  func expectError(
    _ code: ErrorCode, _ op: RequestOp, sourceLocation: SourceLocation = #_sourceLocation,
    _ fill: (inout JSONObjectWriter) -> Void = { _ in }
  ) throws -> [String: Any] {
    let reply = try call(op, fill)
    #expect(
      reply.errorCode == code,
      "\(op): expected \(code), got \(String(decoding: reply.raw, as: UTF8.self))",
      sourceLocation: sourceLocation)
    return try JSON.object(reply.raw)["error"] as? [String: Any] ?? [:]
  }

  /// Creates a channel owned by `owner` and returns its info.
  @discardableResult
  func createChannel(_ id: String, owner: String = "owner", maxSubscriberCount: Int? = nil) throws
    -> [String: Any]
  {
    try expectOK(.createOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("ownerUserID", owner)
      $0.add("officialAccountName", "Channel \(id)")
      if let maxSubscriberCount { $0.add("maxSubscriberCount", maxSubscriberCount) }
    }
  }

  /// Subscribes `users` to `id`, a thousand per request.
  func subscribe(_ users: [String], to id: String) throws {
    for start in stride(from: 0, to: users.count, by: 1000) {
      let reply = try expectOK(.subscribeOfficialAccount) {
        $0.add("officialAccountID", id)
        var list = JSONArrayWriter()
        for user in users[start..<min(start + 1000, users.count)] { list.append(user) }
        $0.add("userIDList", array: list)
      }
      let codes = (reply["results"] as? [[String: Any]] ?? []).map { $0["resultCode"] as? String }
      #expect(codes.allSatisfy { $0 == "ok" }, "subscribing to \(id) failed")
    }
  }

  func subscribe(_ user: String, to id: String) throws {
    try expectOK(.subscribeOfficialAccount) {
      $0.add("officialAccountID", id)
      $0.add("userID", user)
    }
  }

  @discardableResult
  func broadcast(_ id: String, payload: String) throws -> [String: Any] {
    try expectOK(.sendMessage) {
      $0.add("officialAccountID", id)
      $0.add("payload", rawJSON: Array(payload.utf8))
    }
  }
}

extension DeliveryConsumer {
  /// Receives `count` deliveries as (userID, envelope object), failing after `timeout` ms of
  /// silence.
  func receive(_ count: Int, silenceMilliseconds: Int = 5000) throws -> [(String, [String: Any])] {
    var received: [(String, [String: Any])] = []
    while received.count < count {
      guard let delivery = try receive(timeoutMilliseconds: silenceMilliseconds) else {
        Issue.record("received \(received.count) of \(count) deliveries")
        break
      }
      received.append(
        (String(decoding: delivery.userID, as: UTF8.self), try JSON.object(delivery.envelope)))
    }
    return received
  }

  /// Records an issue if any delivery arrives within `milliseconds`.
  func expectSilence(milliseconds: Int = 300, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    if let delivery = try receive(timeoutMilliseconds: milliseconds) {
      Issue.record(
        "unexpected delivery: \(String(decoding: delivery.envelope, as: UTF8.self))",
        sourceLocation: sourceLocation)
    }
  }
}

enum JSON {
  static func object(_ bytes: [UInt8]) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
      as? [String: Any] ?? [:]
  }
}
