import ChannelCastServer
import Foundation
import Testing

/// Reading the daemon's configuration: TOML keys, flags, defaults and the errors that name a key.
@Suite struct ConfigurationTests {
  private func error(_ body: () throws(ConfigurationError) -> Void) -> ConfigurationError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func defaultsMatchTheDocumentation() {
    let configuration = DaemonConfiguration()
    #expect(configuration.commandEndpoint == "tcp://127.0.0.1:7701")
    #expect(configuration.deliveryEndpoint == "tcp://127.0.0.1:7702")
    #expect(configuration.deliveryHighWaterMark == 1_000)
    #expect(configuration.shards == DaemonConfiguration.processorCount)
    #expect(configuration.limits.maxSubscriberCount == 100_000)
    #expect(configuration.limits.historySize == 1000)
    #expect(configuration.limits.historyMaxBytes == 1 << 20)
    #expect(configuration.limits.maxPayloadBytes == 12288)
    #expect(configuration.logLevel == .info)
  }

  @Test func appliesEveryKeyOfATOMLFile() throws {
    var configuration = DaemonConfiguration()
    try configuration.apply(
      toml: """
        commandEndpoint = "ipc:///run/channelcast/command"
        deliveryEndpoint = "tcp://0.0.0.0:9000"
        deliveryHighWaterMark = 500
        shards = 3
        maxSubscriberCount = 42
        historySize = 10
        historyMaxBytes = 2048
        maxPayloadBytes = 4096
        shutdownTimeoutSeconds = 5
        logLevel = "debug"
        """, source: "test.toml")
    #expect(configuration.commandEndpoint == "ipc:///run/channelcast/command")
    #expect(configuration.deliveryEndpoint == "tcp://0.0.0.0:9000")
    #expect(configuration.deliveryHighWaterMark == 500)
    #expect(configuration.shards == 3)
    #expect(configuration.limits.maxSubscriberCount == 42)
    #expect(configuration.limits.historySize == 10)
    #expect(configuration.limits.historyMaxBytes == 2048)
    #expect(configuration.limits.maxPayloadBytes == 4096)
    #expect(configuration.shutdownTimeoutSeconds == 5)
    #expect(configuration.logLevel == .debug)
  }

  @Test func anUnknownKeyIsAnErrorNamingIt() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.apply(toml: "shard = 4", source: "c.toml")
    }
    #expect(failure?.key == "shard")
    #expect(failure?.description.hasPrefix("c.toml: shard: unknown key") == true)
  }

  @Test func aWrongTypeIsAnErrorNamingTheKey() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.apply(toml: "shards = \"four\"", source: "c.toml")
    }
    #expect(failure?.key == "shards")
    #expect(failure?.reason == "expected an integer")
  }

  @Test func anOutOfRangeValueIsAnErrorWithTheRange() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.set("shards", to: .integer(0), source: "command line")
    }
    #expect(
      failure?.description
        == "command line: shards: 0 is out of range; it must be between 1 and 1024")
  }

  @Test func anUnknownLogLevelIsAnError() {
    var configuration = DaemonConfiguration()
    #expect(
      error { () throws(ConfigurationError) in
        try configuration.set("logLevel", to: .string("loud"), source: "command line")
      }?.key == "logLevel")
  }

  @Test func invalidTOMLNamesTheLine() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.apply(toml: "shards = 4\nthis is not toml", source: "c.toml")
    }
    #expect(failure?.key == nil)
    #expect(failure?.description.contains("line 2") == true)
  }

  @Test func flagsAreTheKeysInKebabCase() {
    #expect(ConfigurationKey.named("commandEndpoint")?.flag == "--command-endpoint")
    #expect(ConfigurationKey.named("historyMaxBytes")?.flag == "--history-max-bytes")
    #expect(
      ConfigurationKey.named("shards")?.defaultValue == String(DaemonConfiguration.processorCount))
  }

  @Test func flagsAreReadAsValuesOfTheirKeysKind() throws {
    let values = try ConfigurationKey.values(fromFlags: [
      "--shards", "3", "--log-level=debug", "--allow-insecure", "true", "--metrics-address=",
    ])
    #expect(values.map(\.0.name) == ["shards", "logLevel", "allowInsecure", "metricsAddress"])
    #expect(
      values.map(\.1) == [.integer(3), .string("debug"), .boolean(true), .string("")])
  }

  @Test func aFlagThatIsUnknownLacksItsValueOrHasTheWrongTypeIsAnError() {
    for (arguments, expected) in [
      (["--shard", "4"], "unknown option --shard"),
      (["--shards"], "--shards needs a value"),
      (["--shards", "four"], "expected an integer, got \"four\""),
      (["--allow-insecure", "yes"], "expected true or false"),
    ] {
      let failure = error { () throws(ConfigurationError) in
        _ = try ConfigurationKey.values(fromFlags: arguments)
      }
      #expect(failure?.description.contains(expected) == true, "\(arguments)")
      #expect(failure?.source == "command line")
    }
  }

  /// The reload rules come from the keys' declarations: these, and only these, apply live.
  @Test func theReloadableKeysAreTheLiveOnes() {
    #expect(
      ChannelCastDaemon.liveKeys == [
        "logLevel", "maxSubscriberCount", "maxPendingDeliveries", "historySize",
        "historyMaxBytes", "historyMaxAgeSeconds", "maxPayloadBytes", "maxSubscriptionsPerUser",
        "channelSendRatePerSecond", "channelSendBurst", "duplicateWindowSeconds",
        "snapshotJournalBytes", "snapshotIntervalSeconds", "shutdownTimeoutSeconds",
        "slowConsumerGraceMilliseconds", "clientsFile",
      ])
  }
}

/// The example configuration in Deploy/ documents every key with its real default.
@Suite struct ExampleConfigurationTests {
  private let example: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return
      (try? String(
        contentsOf: root.appendingPathComponent("Deploy/channelcastd.toml"), encoding: .utf8)) ?? ""
  }()

  @Test func parsesAndKeepsTheDefaults() throws {
    var configuration = DaemonConfiguration()
    try configuration.apply(toml: example, source: "Deploy/channelcastd.toml")
    #expect(configuration == DaemonConfiguration())
  }

  @Test func mentionsEveryKey() {
    for key in ConfigurationKey.all {
      #expect(example.contains("\(key.name) ="), "Deploy/channelcastd.toml lacks \(key.name)")
    }
  }
}

/// The documentation's table of settings is the declarations', row for row: every key, in order,
/// with its flag, its default, and "Reloadable." for each key a reload applies.
@Suite struct SettingsTableTests {
  /// The rows of the table headed `| Key | Flag | Default | Meaning |`, in the README or a
  /// file of docs/, as cells without their backticks.
  private static let rows: [[String]] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let documents =
      ["README.md"]
      + ((try? FileManager.default.contentsOfDirectory(atPath: root.path + "/docs")) ?? [])
      .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
    for document in documents {
      guard
        let text = try? String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
      else { continue }
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      guard let header = lines.firstIndex(where: { $0.hasPrefix("| Key | Flag | Default |") })
      else { continue }
      return lines[(header + 2)...].prefix { $0.hasPrefix("|") }.map { line in
        line.split(separator: "|").map {
          $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
        }
      }
    }
    return []
  }()

  @Test func listsEveryKeyInOrderWithItsFlagAndDefault() {
    #expect(Self.rows.map { $0.first ?? "" } == ConfigurationKey.all.map(\.name))
    for (row, key) in zip(Self.rows, ConfigurationKey.all) where row.count >= 4 {
      #expect(row[1] == key.flag, "\(key.name)")
      #expect(row[2] == key.defaultDescription ?? key.defaultValue, "\(key.name)")
    }
  }

  @Test func saysWhichKeysAReloadApplies() {
    for (row, key) in zip(Self.rows, ConfigurationKey.all) where row.count >= 4 {
      #expect(
        row[3].contains("Reloadable.") == key.isReloadable,
        "\(key.name) is \(key.isReloadable ? "" : "not ")reloadable")
    }
  }
}
