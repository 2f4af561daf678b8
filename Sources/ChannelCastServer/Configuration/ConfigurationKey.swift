import ChannelCastCore
import ChannelCastProtocol
import ChannelCastStorage
import Logging

/// A value given for a configuration key, from a TOML file or a flag.
public enum ConfigurationValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case boolean(Bool)
  case strings([String])
}

/// One setting, declared once: its name in the file, its type, its help, whether a reload
/// applies it, and how a value is checked and applied. The TOML reader, the daemon's flags and
/// `--help`, the reload rules and (checked by a test) the documentation's table all come from
/// `all`.
public struct ConfigurationKey: Sendable {
  /// What a value is, which also tells how a flag's text is read.
  public enum Kind: Sendable {
    case integer
    case string
    case boolean
    /// A TOML array of strings; a flag gives it comma-separated.
    case stringList
  }

  public let name: String
  public let help: String
  public let kind: Kind
  /// Whether a reload (SIGHUP) applies the key while the daemon runs; a change to any other key
  /// is logged as needing a restart.
  public let isReloadable: Bool
  /// How the documentation states a default that depends on the machine; nil when the default
  /// is `defaultValue`.
  public let defaultDescription: String?
  let apply:
    @Sendable (inout DaemonConfiguration, ConfigurationValue) throws(ConfigurationError) -> Void
  /// The key's value in a configuration, as it would be written in the TOML file.
  public let current: @Sendable (DaemonConfiguration) -> String
  /// Copies the key's value from the second configuration into the first.
  let transfer: @Sendable (inout DaemonConfiguration, DaemonConfiguration) -> Void

  /// The flag, in kebab-case, a run of capitals as one word: `commandEndpoint` →
  /// `--command-endpoint`, `clusterNatsURLs` → `--cluster-nats-urls`.
  public var flag: String {
    var previousIsUppercase = false
    return "--"
      + name.reduce(into: "") { flag, character in
        if character.isUppercase && !previousIsUppercase {
          flag += "-"
        }
        flag += character.lowercased()
        previousIsUppercase = character.isUppercase
      }
  }

  /// The default value, as it would be written in the TOML file.
  public var defaultValue: String { current(DaemonConfiguration()) }

  /// Looks up a key by its file name.
  public static func named(_ name: String) -> ConfigurationKey? {
    all.first { $0.name == name }
  }

  /// The keys a reload applies while the daemon runs.
  public static var reloadable: [ConfigurationKey] { all.filter(\.isReloadable) }

  /// Every key: those of every daemon, then those of cluster mode.
  public static let all = common + cluster

  /// The keys of every daemon, alone or in a cluster.
  private static let common: [ConfigurationKey] = [
    string(
      "commandEndpoint", help: "ZeroMQ endpoint of the command socket (ROUTER).",
      \.commandEndpoint),
    string(
      "deliveryEndpoint", help: "ZeroMQ endpoint of the delivery socket (XPUB).",
      \.deliveryEndpoint),
    string(
      "eventsEndpoint",
      help:
        "ZeroMQ endpoint of the event feed (PUB): every journaled change, for backends; "
        + "admins only with CURVE. Empty: no feed.",
      \.eventsEndpoint, allowsEmpty: true),
    string(
      "gatewayEndpoint",
      help:
        "ZeroMQ endpoint of the gateway socket (ROUTER): gateways attach their online users and "
        + "receive each broadcast once, as batches of those users. Empty: no gateway socket.",
      \.gatewayEndpoint, allowsEmpty: true),
    integer(
      "gatewayHeartbeatSeconds",
      help:
        "Seconds between ZMTP heartbeats on gateway connections; a gateway silent for three "
        + "intervals is disconnected and loses its attachments (0 = no heartbeats).",
      0...3600, \.gatewayHeartbeatSeconds),
    integer(
      "gatewayHighWaterMark",
      help: "Batches libzmq queues per gateway before fan-out waits for it (0 = unbounded).",
      0...1_000_000, \.gatewayHighWaterMark),
    integer(
      "gatewayBatchMaxUsers",
      help: "The most recipients one gateway batch holds (hello's batchMaxUsers).",
      1...1_000_000, \.gatewayBatchMaxUsers),
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
    choice(
      "slowConsumerPolicy",
      help:
        "When a consumer's queue is full: block (fan-out waits; nothing is dropped) or drop "
        + "(fan-out waits up to slowConsumerGraceMilliseconds, then cuts the consumer off; "
        + "what it misses is dropped and counted, and it catches up with getHistory).",
      \.slowConsumerPolicy),
    integer(
      "slowConsumerGraceMilliseconds",
      help:
        "Under the drop policy, how long fan-out waits for a consumer whose queue is full before "
        + "cutting it off (its deliveries are dropped until it reads again).",
      0...3_600_000, \.slowConsumerGraceMilliseconds, reloadable: true),
    integer(
      "shards", help: "Fan-out shards (serial queues). Default: the number of processors.",
      1...1024, \.shards, defaultDescription: "number of online processors"),
    integer(
      "maxSubscriberCount", help: "maxSubscriberCount of a channel created without one.",
      1...FieldLimits.maxSubscriberCountCeiling, \.limits.maxSubscriberCount, reloadable: true),
    integer(
      "maxPendingDeliveries",
      help:
        "Deliveries accepted but not yet handed to consumers, across shards, above which "
        + "sendMessage, recallMessages, setOfficialAccountInfo and deleteOfficialAccount are "
        + "refused as overloaded (per-user operations and reads go on).",
      1...(1 << 40), \.limits.maxPendingDeliveries, reloadable: true),
    integer(
      "maxSubscriptionsPerUser",
      help: "The most official accounts one user may subscribe to (limit_exceeded beyond).",
      1...1_000_000, \.limits.maxSubscriptionsPerUser, reloadable: true),
    integer(
      "channelSendRatePerSecond",
      help: "Messages per second each channel may send, else rate_limited (0 = no limit).",
      0...1_000_000, \.channelSendRatePerSecond, reloadable: true),
    integer(
      "channelSendBurst",
      help: "Messages a channel may send at once before channelSendRatePerSecond applies.",
      1...1_000_000, \.limits.channelSendBurst, reloadable: true),
    integer(
      "duplicateWindowSeconds",
      help:
        "Seconds during which the same payload to the same channel is refused as duplicate "
        + "(0 = off).",
      0...86_400, \.duplicateWindowSeconds, reloadable: true),
    integer(
      "historySize", help: "Stream entries retained per channel for getHistory.",
      0...10_000_000, \.limits.historySize, reloadable: true),
    integer(
      "historyMaxBytes", help: "Bytes of encoded stream entries retained per channel.",
      0...(1 << 40), \.limits.historyMaxBytes, reloadable: true),
    integer(
      "maxPayloadBytes", help: "Largest message payload, in bytes as the request carried it.",
      1...(16 << 20), \.limits.maxPayloadBytes, reloadable: true),
    integer(
      "historyMaxAgeSeconds",
      help: "Seconds a stream entry is retained for getHistory (0 = any age).",
      0...(100 * 365 * 86_400), \.historyMaxAgeSeconds, reloadable: true),
    string(
      "dataDirectory",
      help: "Directory of the journal and snapshots (created if missing; one daemon at a time).",
      \.dataDirectory),
    choice(
      "fsync",
      help:
        "When journal writes reach the disk: always (before each reply), everysec or never "
        + "(the kernel decides). Every policy writes to the OS before replying.",
      \.fsync),
    integer(
      "snapshotJournalBytes",
      help: "Journal bytes after which a snapshot is written and older journals removed.",
      4096...(1 << 40), \.snapshotJournalBytes, reloadable: true),
    integer(
      "snapshotIntervalSeconds",
      help: "Seconds after which a snapshot is written if anything changed (0 = by size only).",
      0...(365 * 86_400), \.snapshotIntervalSeconds, reloadable: true),
    integer(
      "resumeFanOutDelayMilliseconds",
      help:
        "Milliseconds after start before messages whose fan-out a crash cut short are sent "
        + "again, so that consumers can reconnect first.",
      0...3_600_000, \.resumeFanOutDelayMilliseconds),
    integer(
      "shutdownTimeoutSeconds",
      help: "Seconds a clean shutdown waits for fan-outs in flight to finish.",
      0...86_400, \.shutdownTimeoutSeconds, reloadable: true),
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
      \.clientsFile, allowsEmpty: true, reloadable: true),
    boolean(
      "allowInsecure",
      help:
        "Serve an endpoint other than loopback, ipc or inproc without CURVE (logged as a "
        + "warning); otherwise the daemon refuses to start.",
      \.allowInsecure),
    string(
      "metricsAddress",
      help:
        "HTTP address (host:port) of /metrics, /healthz and /readyz; an empty string turns "
        + "the listener off.",
      \.metricsAddress, allowsEmpty: true),
    choice(
      "logLevel", help: "Log level: trace, debug, info, notice, warning, error or critical.",
      \.logLevel, reloadable: true),
  ]

  /// A string key; unless `allowsEmpty` (for "none"), the empty string is refused, and any other
  /// value for which `problem` gives a reason.
  static func string(
    _ name: String, help: String, _ path: WritableKeyPath<DaemonConfiguration, String> & Sendable,
    allowsEmpty: Bool = false, reloadable: Bool = false,
    problem: @escaping @Sendable (String) -> String? = { _ in nil }
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help, kind: .string, isReloadable: reloadable, defaultDescription: nil,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: name, reason: "expected a string")
        }
        guard allowsEmpty || !text.isEmpty else {
          throw ConfigurationError(key: name, reason: "must not be empty")
        }
        if !text.isEmpty, let reason = problem(text) {
          throw ConfigurationError(key: name, reason: reason)
        }
        configuration[keyPath: path] = text
      },
      current: { "\"\($0[keyPath: path])\"" }, transfer: transfer(path))
  }

  static func integer(
    _ name: String, help: String, _ range: ClosedRange<Int>,
    _ path: WritableKeyPath<DaemonConfiguration, Int> & Sendable, reloadable: Bool = false,
    defaultDescription: String? = nil
  ) -> ConfigurationKey {
    integer(
      name, help: help, path, reloadable: reloadable, defaultDescription: defaultDescription
    ) { number in
      range.contains(number)
        ? nil
        : "\(number) is out of range; it must be between \(range.lowerBound) and \(range.upperBound)"
    }
  }

  /// An integer key whose value must be one of `values`.
  static func integer(
    _ name: String, help: String, oneOf values: [Int],
    _ path: WritableKeyPath<DaemonConfiguration, Int> & Sendable
  ) -> ConfigurationKey {
    integer(name, help: help, path) { number in
      values.contains(number)
        ? nil
        : "\(number) is not allowed; it must be one of "
          + values.map(String.init).joined(separator: ", ")
    }
  }

  /// An integer key refusing the values for which `problem` gives a reason.
  private static func integer(
    _ name: String, help: String, _ path: WritableKeyPath<DaemonConfiguration, Int> & Sendable,
    reloadable: Bool = false, defaultDescription: String? = nil,
    problem: @escaping @Sendable (Int) -> String?
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help, kind: .integer, isReloadable: reloadable,
      defaultDescription: defaultDescription,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .integer(let number) = value else {
          throw ConfigurationError(key: name, reason: "expected an integer")
        }
        if let reason = problem(number) {
          throw ConfigurationError(key: name, reason: reason)
        }
        configuration[keyPath: path] = number
      },
      current: { String($0[keyPath: path]) }, transfer: transfer(path))
  }

  /// A list of strings, empty for none, refusing any element for which `problem` gives a
  /// reason.
  static func stringList(
    _ name: String, help: String,
    _ path: WritableKeyPath<DaemonConfiguration, [String]> & Sendable,
    problem: @escaping @Sendable (String) -> String?
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help, kind: .stringList, isReloadable: false, defaultDescription: nil,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .strings(let texts) = value else {
          throw ConfigurationError(key: name, reason: "expected an array of strings")
        }
        for text in texts {
          if let reason = problem(text) {
            throw ConfigurationError(key: name, reason: reason)
          }
        }
        configuration[keyPath: path] = texts
      },
      current: { "[" + $0[keyPath: path].map { "\"\($0)\"" }.joined(separator: ", ") + "]" },
      transfer: transfer(path))
  }

  private static func boolean(
    _ name: String, help: String, _ path: WritableKeyPath<DaemonConfiguration, Bool> & Sendable
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help, kind: .boolean, isReloadable: false, defaultDescription: nil,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .boolean(let flag) = value else {
          throw ConfigurationError(key: name, reason: "expected true or false")
        }
        configuration[keyPath: path] = flag
      },
      current: { String($0[keyPath: path]) }, transfer: transfer(path))
  }

  /// A key whose value is one of the names of `Choice`.
  private static func choice<Choice: RawRepresentable<String> & CaseIterable & Sendable>(
    _ name: String, help: String,
    _ path: WritableKeyPath<DaemonConfiguration, Choice> & Sendable, reloadable: Bool = false
  ) -> ConfigurationKey {
    ConfigurationKey(
      name: name, help: help, kind: .string, isReloadable: reloadable, defaultDescription: nil,
      apply: { (configuration, value) throws(ConfigurationError) in
        guard case .string(let text) = value else {
          throw ConfigurationError(key: name, reason: "expected a string")
        }
        guard let choice = Choice(rawValue: text) else {
          throw ConfigurationError(
            key: name,
            reason: "\"\(text)\" is not one of "
              + Choice.allCases.map(\.rawValue).joined(separator: ", "))
        }
        configuration[keyPath: path] = choice
      },
      current: { "\"\($0[keyPath: path].rawValue)\"" }, transfer: transfer(path))
  }

  private static func transfer<Value>(
    _ path: WritableKeyPath<DaemonConfiguration, Value> & Sendable
  ) -> @Sendable (inout DaemonConfiguration, DaemonConfiguration) -> Void {
    { target, source in target[keyPath: path] = source[keyPath: path] }
  }
}
