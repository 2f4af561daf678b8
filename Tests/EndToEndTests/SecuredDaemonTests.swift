import ChannelCastClient
import Foundation
import Testing
import ZeroMQ

/// The built `channelcastd` with CURVE on, driven by the built `channelcast` with keys from
/// `channelcast keygen`, as an operator sets it up; and the refusal to serve an exposed
/// endpoint without CURVE.
@Suite struct SecuredDaemonTests {
  /// Keys made with `keygen` in `directory`: the daemon's, and one per client name.
  private struct Keys {
    let directory: URL
    func key(_ name: String) -> String { directory.appendingPathComponent("\(name).key").path }
    func pub(_ name: String) -> String { directory.appendingPathComponent("\(name).pub").path }
    func publicKey(_ name: String) throws -> String {
      try String(contentsOfFile: pub(name), encoding: .utf8).trimmingCharacters(in: .newlines)
    }
  }

  private static func run(_ arguments: [String], in directory: URL) async throws -> ChildProcess {
    let child = try ChildProcess(
      try BuiltProducts.executable(named: "channelcast"), arguments, capturingIn: directory)
    try #require(await child.waitForExit(), "channelcast \(arguments) did not finish")
    return child
  }

  private static func makeKeys(_ names: [String], in directory: URL) async throws -> Keys {
    let keys = Keys(directory: directory)
    for name in names {
      let keygen = try await run(
        ["keygen", "--out", directory.appendingPathComponent(name).path], in: directory)
      try #require(keygen.exitStatus == 0, "\(keygen.standardError)")
    }
    return keys
  }

  private static func writeClients(_ text: String, in directory: URL) throws -> String {
    let path = directory.appendingPathComponent("clients.toml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func rolesHoldThroughTheCommandLineAndAReloadRevokesAKey() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let keys = try await Self.makeKeys(["server", "ops", "news", "gateway"], in: directory)
    let clientsFile = try Self.writeClients(
      """
      [[client]]
      name = "ops"
      publicKey = "\(try keys.publicKey("ops"))"
      role = "admin"

      [[client]]
      name = "news"
      publicKey = "\(try keys.publicKey("news"))"
      role = "publisher"
      officialAccounts = ["@TOA#_news*"]

      [[client]]
      publicKey = "\(try keys.publicKey("gateway"))"
      role = "gateway"
      """, in: directory)
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: ["--server-key-file", keys.key("server"), "--clients-file", clientsFile])
    defer { daemon.stop() }
    func channelcast(as client: String, _ arguments: String...) async throws -> ChildProcess {
      try await daemon.channelcast(
        arguments + ["--server-key", keys.pub("server"), "--key-file", keys.key(client)])
    }

    var ping = try await channelcast(as: "ops", "ping")
    for _ in 0..<100 where ping.exitStatus != 0 {
      try #require(daemon.process.isRunning, "channelcastd exited: \(daemon.process.standardError)")
      ping = try await channelcast(as: "ops", "ping")
    }
    try #require(
      ping.exitStatus == 0,
      "\(ping.standardError) daemon: \(daemon.process.standardError)")

    for id in ["@TOA#_news-eu", "@TOA#_sports"] {
      let create = try await channelcast(
        as: "ops", "create", "--id", id, "--owner", "editor", "--name", "N")
      #expect(create.exitStatus == 0, "\(create.standardError)")
    }
    let subscribe = try await channelcast(as: "gateway", "subscribe", "@TOA#_news-eu", "alice")
    #expect(subscribe.exitStatus == 0, "\(subscribe.standardError)")

    let tail = try daemon.startTail(
      "--user", "alice", "--count", "1", "--server-key", keys.pub("server"), "--key-file",
      keys.key("gateway"))
    var sent = 0
    for _ in 0..<100 where tail.isRunning {
      let send = try await channelcast(as: "news", "send", "@TOA#_news-eu", #"{"t":"hi"}"#)
      #expect(send.exitStatus == 0, "\(send.standardError)")
      sent += 1
      _ = try await tail.waitForExit(seconds: 0.2)
    }
    #expect(tail.exitStatus == 0, "\(tail.standardError)")
    #expect(tail.standardOutput.contains(#""payload":{"t":"hi"}"#))

    let outside = try await channelcast(as: "news", "send", "@TOA#_sports", "1")
    #expect(outside.exitStatus == 1)
    #expect(
      outside.standardError.contains(
        "permission_denied: this publisher may not act on @TOA#_sports"))
    let gatewaySend = try await channelcast(as: "gateway", "send", "@TOA#_news-eu", "1")
    #expect(gatewaySend.exitStatus == 1)
    #expect(
      gatewaySend.standardError.contains("permission_denied: a gateway may not call sendMessage"))
    let publisherTail = try daemon.startTail(
      "--count", "1", "--server-key", keys.pub("server"), "--key-file", keys.key("news"))
    #expect(try await publisherTail.waitForExit())
    #expect(publisherTail.exitStatus == 2)
    #expect(publisherTail.standardError.contains("refused this client's key"))

    // The operator removes the publisher and reloads: its next connection is refused.
    _ = try Self.writeClients(
      """
      [[client]]
      publicKey = "\(try keys.publicKey("ops"))"
      role = "admin"
      """, in: directory)
    daemon.process.send(SIGHUP)
    var refused = try await channelcast(as: "news", "send", "@TOA#_news-eu", "2")
    for _ in 0..<50 where refused.exitStatus == 0 {
      try await Task.sleep(for: .milliseconds(100))
      refused = try await channelcast(as: "news", "send", "@TOA#_news-eu", "2")
    }
    #expect(refused.exitStatus == 2)
    #expect(refused.standardError.contains("the daemon refused this client's key"))
    let plain = try await daemon.channelcast("ping", "--timeout", "500")
    #expect(plain.exitStatus == 2)
    try await daemon.terminate()
  }

  @Test func anExposedEndpointWithoutCurveIsRefusedUnlessAllowed() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let port = Self.freePort()
    let exposed = ["--command-endpoint", "tcp://0.0.0.0:\(port)"]

    let refused = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"), arguments: exposed)
    defer { refused.stop() }
    #expect(try await refused.process.waitForExit())
    #expect(refused.process.exitStatus == 1)
    #expect(
      refused.process.standardError.contains(
        "tcp://0.0.0.0:\(port) can be reached from other machines"))
    #expect(refused.process.standardError.contains("allowInsecure = true"))

    let allowed = try DaemonProcess(
      in: directory, name: "allowed", dataDirectory: directory.appendingPathComponent("data"),
      arguments: exposed + ["--allow-insecure", "true"])
    defer { allowed.stop() }
    var answered = false
    for _ in 0..<200 where !answered && allowed.process.isRunning {
      // A fresh client per try: a request that timed out stays queued in its socket.
      let client = try ChannelCastClient(
        endpoint: "tcp://127.0.0.1:\(port)", context: .endToEndTests, timeoutMilliseconds: 100)
      answered = (try? client.callJSON("ping").ok) == true
    }
    #expect(answered, "\(allowed.process.standardError)")
    #expect(allowed.process.standardError.contains("serving without CURVE"))
  }

  /// A port nothing listens on now.
  private static func freePort() -> Int {
    let socket = try! Socket(context: .endToEndTests, type: .rep)
    try! socket.bind("tcp://127.0.0.1:*")
    let endpoint = try! socket.lastEndpoint
    socket.close()
    return Int(endpoint.split(separator: ":").last!)!
  }
}
