import ChannelCastCore
import ChannelCastStorage
import Logging

/// A value given for a configuration key, from a TOML file or a flag.
public enum ConfigurationValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case boolean(Bool)
}

/// One setting: its name in the file, its flag, its help, and how a value is checked and applied.
/// The single list of keys serves the TOML reader, the flags' help and the documentation.
public struct ConfigurationKey: Sendable {
  public let name: String
  public let help: String
  let apply:
    @Sendable (inout DaemonConfiguration, ConfigurationValue) throws(ConfigurationError) -> Void
  /// The key's value in a configuration, as it would be written in the TOML file.
  public let current: @Sendable (DaemonConfiguration) -> String

  /// The flag, in kebab-case: `commandEndpoint` → `--command-endpoint`.
  public var flag: String {
    "--"
      + name.reduce(into: "") { flag, character in
        if character.isUppercase {
          flag += "-" + character.lowercased()
        } else {
          flag.append(character)
        }
      }
  }

  /// The default value, as it would be written in the TOML file.
  public var defaultValue: String { current(DaemonConfiguration()) }

  /// Looks up a key by its file name.
  public static func named(_ name: String) -> ConfigurationKey? {
    all.first { $0.name == name }
  }

  public static let all: [ConfigurationKey] = [
    string(
      "commandEndpoint", help: "ZeroMQ endpoint of the command socket (ROUTER).",
      \.commandEndpoint),
    string(
      "deliveryEndpoint", help: "ZeroMQ endpoint of the delivery socket (XPUB).",
      \.deliveryEndpoint),
    integer(
      "maxRequestBytes",
      help:
        "Largest request message in bytes; a larger one drops the client's connection, with "
        + "no reply (ZMQ_MAXMSGSIZE).",
      1024...(64 << 20), \.maxRequestBytes),
    integer(
      "deliveryHighWaterMark",
      help: "Deliveries queued per consumer before fan-out waits for it (0 = unbounded).",
      0...100_000_000, \.deliveryHighWaterMark),
    integer(
      "deliverySendBufferBytes",
      help:
        "Kernel send buffer of each consumer's TCP connection, in bytes (SO_SNDBUF; 0 = the OS "
        + "default, which autotuning can grow to megabytes).",
      0...(64 << 20), \.deliverySendBufferBytes),
    ConfigurationKey(
      name: "slowConsumerPolicy",
      help:
        "When a consumer's queue is full: block (fan-out waits; nothing is dropped) or drop "
        + "(its deliveries are dropped and counted; it catches up with getHistory).",
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: "slowConsumerPolicy", reason: "expected a string")
        }
        guard let policy = SlowConsumerPolicy(rawValue: text) else {
          throw ConfigurationError(
            key: "slowConsumerPolicy", reason: "\"\(text)\" is not one of block, drop")
        }
        configuration.slowConsumerPolicy = policy
      },
      current: { "\"\($0.slowConsumerPolicy.rawValue)\"" }),
    integer(
      "slowConsumerGraceMilliseconds",
      help:
        "Under the drop policy, how long fan-out waits for a consumer whose queue is full before "
        + "cutting it off (its deliveries are dropped until it reads again).",
      0...3_600_000, \.slowConsumerGraceMilliseconds),
    integer(
      "shards", help: "Fan-out shards (serial queues). Default: the number of processors.",
      1...1024, \.shards),
    integer(
      "maxSubscriberCount", help: "maxSubscriberCount of a channel created without one.",
      1...FieldLimits.maxSubscriberCountCeiling, \.limits.maxSubscriberCount),
    integer(
      "maxPendingDeliveries",
      help:
        "Deliveries accepted but not yet handed to consumers, across shards, above which "
        + "sendMessage, recallMessages, setOfficialAccountInfo and deleteOfficialAccount are "
        + "refused as overloaded (per-user operations and reads go on).",
      1...(1 << 40), \.limits.maxPendingDeliveries),
    integer(
      "maxSubscriptionsPerUser",
      help: "The most official accounts one user may subscribe to (limit_exceeded beyond).",
      1...1_000_000, \.limits.maxSubscriptionsPerUser),
    integer(
      "channelSendRatePerSecond",
      help: "Messages per second each channel may send, else rate_limited (0 = no limit).",
      0...1_000_000, \.channelSendRatePerSecond),
    integer(
      "channelSendBurst",
      help: "Messages a channel may send at once before channelSendRatePerSecond applies.",
      1...1_000_000, \.limits.channelSendBurst),
    integer(
      "duplicateWindowSeconds",
      help:
        "Seconds during which the same payload to the same channel is refused as duplicate "
        + "(0 = off).",
      0...86_400, \.duplicateWindowSeconds),
    integer(
      "historySize", help: "Stream entries retained per channel for getHistory.",
      0...10_000_000, \.limits.historySize),
    integer(
      "historyMaxBytes", help: "Bytes of encoded stream entries retained per channel.",
      0...(1 << 40), \.limits.historyMaxBytes),
    integer(
      "maxPayloadBytes", help: "Largest message payload, in bytes as the request carried it.",
      1...(16 << 20), \.limits.maxPayloadBytes),
    integer(
      "historyMaxAgeSeconds",
      help: "Seconds a stream entry is retained for getHistory (0 = any age).",
      0...(100 * 365 * 86_400), \.historyMaxAgeSeconds),
    string(
      "dataDirectory",
      help: "Directory of the journal and snapshots (created if missing; one daemon at a time).",
      \.dataDirectory),
    ConfigurationKey(
      name: "fsync",
      help:
        "When journal writes reach the disk: always (before each reply), everysec or never "
        + "(the kernel decides). Every policy writes to the OS before replying.",
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: "fsync", reason: "expected a string")
        }
        guard let policy = FsyncPolicy(rawValue: text) else {
          throw ConfigurationError(
            key: "fsync", reason: "\"\(text)\" is not one of always, everysec, never")
        }
        configuration.fsync = policy
      },
      current: { "\"\($0.fsync.rawValue)\"" }),
    integer(
      "snapshotJournalBytes",
      help: "Journal bytes after which a snapshot is written and older journals removed.",
      4096...(1 << 40), \.snapshotJournalBytes),
    integer(
      "snapshotIntervalSeconds",
      help: "Seconds after which a snapshot is written if anything changed (0 = by size only).",
      0...(365 * 86_400), \.snapshotIntervalSeconds),
    integer(
      "resumeFanOutDelayMilliseconds",
      help:
        "Milliseconds after start before messages whose fan-out a crash cut short are sent "
        + "again, so that consumers can reconnect first.",
      0...3_600_000, \.resumeFanOutDelayMilliseconds),
    integer(
      "shutdownTimeoutSeconds",
      help: "Seconds a clean shutdown waits for fan-outs in flight to finish.",
      0...86_400, \.shutdownTimeoutSeconds),
    string(
      "serverKeyFile",
      help:
        "The daemon's CURVE key file (channelcast keygen); set, both sockets require CURVE and "
        + "accept only the keys of clientsFile. Empty: no authentication.",
      \.serverKeyFile, allowsEmpty: true),
    string(
      "clientsFile",
      help:
        "TOML file of [[client]] tables (publicKey, role = admin | publisher | gateway, "
        + "officialAccounts for publishers); re-read on SIGHUP.",
      \.clientsFile, allowsEmpty: true),
    ConfigurationKey(
      name: "allowInsecure",
      help:
        "Serve an endpoint other than loopback, ipc or inproc without CURVE (logged as a "
        + "warning); otherwise the daemon refuses to start.",
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .boolean(let flag) = value else {
          throw ConfigurationError(key: "allowInsecure", reason: "expected true or false")
        }
        configuration.allowInsecure = flag
      },
      current: { String($0.allowInsecure) }),
    string(
      "metricsAddress",
      help:
        "HTTP address (host:port) of /metrics, /healthz and /readyz; an empty string turns "
        + "the listener off.",
      \.metricsAddress, allowsEmpty: true),
    ConfigurationKey(
      name: "logLevel",
      help: "Log level: trace, debug, info, notice, warning, error or critical.",
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: "logLevel", reason: "expected a string")
        }
        guard let level = Logger.Level(rawValue: text) else {
          throw ConfigurationError(
            key: "logLevel",
            reason: "\"\(text)\" is not one of trace, debug, info, notice, warning, error, critical"
          )
        }
        configuration.logLevel = level
      },
      current: { $0.logLevel.rawValue }),
  ]

  /// A string key; unless `allowsEmpty` (for "none"), the empty string is refused.
  private static func string(
    _ name: String, help: String, _ path: WritableKeyPath<DaemonConfiguration, String> & Sendable,
    allowsEmpty: Bool = false
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: name, reason: "expected a string")
        }
        guard allowsEmpty || !text.isEmpty else {
          throw ConfigurationError(key: name, reason: "must not be empty")
        }
        configuration[keyPath: path] = text
      },
      current: { "\"\($0[keyPath: path])\"" })
  }

  private static func integer(
    _ name: String, help: String, _ range: ClosedRange<Int>,
    _ path: WritableKeyPath<DaemonConfiguration, Int> & Sendable
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .integer(let number) = value else {
          throw ConfigurationError(key: name, reason: "expected an integer")
        }
        guard range.contains(number) else {
          throw ConfigurationError(
            key: name,
            reason:
              "\(number) is out of range; it must be between \(range.lowerBound) and \(range.upperBound)"
          )
        }
        configuration[keyPath: path] = number
      },
      current: { String($0[keyPath: path]) })
  }
}
