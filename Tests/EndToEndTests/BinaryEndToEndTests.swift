import ChannelCastProtocol
import Foundation
import Testing

/// The built `channelcastd` and `channelcast` binaries, run as processes and talking over real
/// ZeroMQ sockets, as a user would run them.
@Suite struct BinaryEndToEndTests {
  @Test func theGatewayCommandPrintsOneLinePerBatchWithItsUsers() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    let channel = "@TOA#_gw"
    let create = try await daemon.channelcast(
      "create", "--id", channel, "--owner", "editor", "--name", "Gateway")
    #expect(create.exitStatus == 0, "\(create.standardError)")
    for user in ["alice", "bob", "carol"] {
      _ = try await daemon.channelcast("subscribe", channel, user)
    }
    let gateway = try daemon.startChannelCast([
      "gateway", "--id", "gw-1", "--attach", "alice,bob", "--attach", "dave", "--count", "1",
      "--gateway-endpoint", daemon.gatewayEndpoint,
    ])
    // The attach is done a moment after the command starts: send until it printed a batch.
    for _ in 0..<100 where gateway.isRunning {
      let send = try await daemon.channelcast("send", channel, #"{"n":1}"#)
      #expect(send.exitStatus == 0, "\(send.standardError)")
      _ = try await gateway.waitForExit(seconds: 0.2)
    }
    try #require(await gateway.waitForExit(), "channelcast gateway printed no batch")
    #expect(gateway.exitStatus == 0, "\(gateway.standardError)")
    let line = try jsonObject(
      String(try #require(gateway.standardOutput.split(separator: "\n").first)))
    #expect(line["gatewayID"] as? String == "gw-1")
    #expect((line["users"] as? [String])?.sorted() == ["alice", "bob"])
    #expect((line["envelope"] as? [String: Any])?["type"] as? String == "message")
  }

  @Test func aMessageSentWithTheClientReachesTail() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    let channel = "@TOA#_e2e"

    let ping = try await daemon.channelcast("ping")
    #expect(ping.exitStatus == 0, "\(ping.standardError)")
    #expect(ping.standardOutput.contains("\"protocolVersion\":1"))

    let create = try await daemon.channelcast(
      "create", "--id", channel, "--owner", "editor", "--name", "End to End")
    #expect(create.exitStatus == 0, "\(create.standardError)")
    #expect(try jsonObject(create.standardOutput)["officialAccountID"] as? String == channel)

    let subscribe = try await daemon.channelcast("subscribe", channel, "alice")
    #expect(subscribe.exitStatus == 0, "\(subscribe.standardError)")

    // A SUB socket's subscription reaches the daemon a moment after it connects, and tail
    // cannot tell when: send until tail, waiting for one delivery, has printed it.
    let tail = try daemon.startTail("--user", "alice", "--count", "1")
    let payload = #"{"greeting": "hello", "n": 1}"#
    for _ in 0..<100 where tail.isRunning {
      let send = try await daemon.channelcast("send", channel, payload)
      #expect(send.exitStatus == 0, "\(send.standardError)")
      _ = try await tail.waitForExit(seconds: 0.2)
    }
    try #require(await tail.waitForExit(), "tail printed no delivery")
    #expect(tail.exitStatus == 0, "\(tail.standardError)")

    let lines = tail.standardOutput.split(separator: "\n")
    #expect(lines.count == 1)
    let line = try jsonObject(String(try #require(lines.first)))
    #expect(line["userID"] as? String == "alice")
    let envelope = try #require(line["envelope"] as? [String: Any])
    #expect(envelope["type"] as? String == "message")
    #expect(envelope["officialAccountID"] as? String == channel)
    #expect(envelope["notify"] as? Bool == true)
    // The payload is spliced into the envelope byte for byte, spaces included.
    #expect(tail.standardOutput.contains(#""payload":\#(payload)"#))

    daemon.process.send(SIGTERM)
    try #require(await daemon.process.waitForExit(), "channelcastd did not stop on SIGTERM")
    #expect(daemon.process.exitedNormally, "\(daemon.process.standardError)")
    #expect(daemon.process.exitStatus == 0, "\(daemon.process.standardError)")
  }

  @Test func anErrorReplyExitsOneWithTheMessageOnStderr() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }

    let unsubscribe = try await daemon.channelcast("unsubscribe", "@TOA#_missing", "alice")

    #expect(unsubscribe.exitStatus == 1)
    #expect(unsubscribe.standardOutput.isEmpty)
    #expect(unsubscribe.standardError.hasPrefix("channelcast: not_found: "))
  }

  @Test func aPayloadThatIsNotJSONIsRejectedBeforeSending() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }

    let send = try await daemon.channelcast("send", "@TOA#_e2e", "hello")

    #expect(send.exitStatus == 64)
    #expect(send.standardError.contains("not valid JSON"))
    #expect(send.standardError.contains(#"'"hello"'"#))
  }

  @Test func noReplyExitsTwoNamingTheEndpoint() async throws {
    let client = try BuiltProducts.executable(named: "channelcast")
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let endpoint = "ipc://\(directory.path)/nobody"

    let ping = try ChildProcess(
      client, ["ping", "--endpoint", endpoint, "--timeout", "200"], capturingIn: directory)
    defer { ping.stop() }

    try #require(await ping.waitForExit())
    #expect(ping.exitStatus == 2)
    #expect(ping.standardError.contains(endpoint))
  }

  @Test func zeroShardsIsRejectedNamingTheKey() async throws {
    let failure = try await runInvalidDaemon(["--shards", "0"])

    #expect(failure.exitStatus != 0)
    #expect(failure.standardError.contains("shards"))
  }

  @Test func anUnknownConfigurationKeyIsRejectedNamingIt() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = directory.appendingPathComponent("channelcastd.toml")
    try Data("shards = 2\nfanOutWidth = 3\n".utf8).write(to: config)

    let failure = try await runInvalidDaemon(["--config", config.path])

    #expect(failure.exitStatus != 0)
    #expect(failure.standardError.contains("fanOutWidth"))
  }

  /// Runs `channelcastd` with a configuration it must reject. Its endpoints point into a
  /// temporary directory, so that a daemon that wrongly starts takes no real port; it is killed
  /// after the wait.
  private func runInvalidDaemon(_ arguments: [String]) async throws -> (
    exitStatus: Int32, standardError: String
  ) {
    let server = try BuiltProducts.executable(named: "channelcastd")
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let endpoints = [
      "--command-endpoint", "ipc://\(directory.path)/command",
      "--delivery-endpoint", "ipc://\(directory.path)/delivery",
      "--gateway-endpoint", "ipc://\(directory.path)/gateway",
      "--data-directory", directory.appendingPathComponent("data").path,
      "--metrics-address", "127.0.0.1:0",
    ]
    let daemon = try ChildProcess(server, endpoints + arguments, capturingIn: directory)
    defer { daemon.stop() }
    try #require(await daemon.waitForExit(), "channelcastd \(arguments) kept running")
    // Read now: the deferred clean-up removes the captured output.
    return (daemon.exitStatus, daemon.standardError)
  }

  private func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)")
  }
}
