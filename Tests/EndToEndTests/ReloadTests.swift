import ChannelCastClient
import Foundation
import Testing

/// SIGHUP re-reads the configuration and applies what can change while running.
@Suite struct ReloadTests {
  @Test func sighupAppliesANewLogLevelAndHistorySizeWithoutARestart() async throws {
    let (directory, config) = try Self.configFile("historySize = 5\nlogLevel = \"warning\"\n")
    defer { try? FileManager.default.removeItem(at: directory) }
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: ["--config", config.path])
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    let client = try daemon.client()
    try Self.sendMessages(8, with: client)
    #expect(try Self.historyCount(client) == 5)

    try Data("historySize = 3\nlogLevel = \"info\"\n".utf8).write(to: config)
    daemon.process.send(SIGHUP)

    let deadline = ContinuousClock.now + .seconds(10)
    while try Self.historyCount(client) != 3, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(try Self.historyCount(client) == 3)
    // Logged at notice, which the old level (warning) would have hidden.
    #expect(daemon.process.standardError.contains("configuration reloaded"))
    #expect(daemon.process.isRunning)
  }

  @Test func aConfigurationThatDoesNotLoadIsRejectedAndTheRunningOneStays() async throws {
    let (directory, config) = try Self.configFile("historySize = 5\n")
    defer { try? FileManager.default.removeItem(at: directory) }
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: ["--config", config.path])
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    let client = try daemon.client()

    try Data("historySize = -1\n".utf8).write(to: config)
    daemon.process.send(SIGHUP)
    let deadline = ContinuousClock.now + .seconds(10)
    while !daemon.process.standardError.contains("reload rejected"),
      ContinuousClock.now < deadline
    {
      try await Task.sleep(for: .milliseconds(50))
    }

    #expect(daemon.process.standardError.contains("reload rejected"))
    #expect(daemon.process.standardError.contains("historySize"))
    try Self.sendMessages(8, with: client)
    #expect(try Self.historyCount(client) == 5)
  }

  private static func configFile(_ text: String) throws -> (URL, URL) {
    let directory = try TemporaryDirectory.create()
    let config = directory.appendingPathComponent("channelcastd.toml")
    try Data(text.utf8).write(to: config)
    return (directory, config)
  }

  private static let channel = "@TOA#_reload"

  private static func sendMessages(_ count: Int, with client: ChannelCastClient) throws {
    _ = try? client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": channel, "ownerUserID": "o", "officialAccountName": "Reload"])
    for number in 0..<count {
      _ = try client.resultOf("sendMessage", ["officialAccountID": channel, "payload": number])
    }
  }

  private static func historyCount(_ client: ChannelCastClient) throws -> Int {
    let history = try client.resultOf(
      "getHistory", ["officialAccountID": channel, "limit": 100])
    return (history["messages"] as? [Any])?.count ?? -1
  }
}
