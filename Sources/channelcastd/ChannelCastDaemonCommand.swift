import ArgumentParser
import ChannelCastServer
import Foundation
import Logging
import ServiceLifecycle

@main
struct ChannelCastDaemonCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "channelcastd",
    abstract: "Broadcast official-channel messages to every subscriber over ZeroMQ.",
    discussion: """
      channelcastd keeps official channels ("official accounts") and their subscribers in \
      memory, takes commands and broadcasts from publishers on a ZeroMQ ROUTER socket, and fans \
      each broadcast out as one delivery per subscribed user on a ZeroMQ XPUB socket. The \
      protocol is described in docs/protocol.md.

      CONFIGURATION
        Settings come from their defaults, then from the TOML file given with --config, then \
      from flags. Every key of the file has a flag of the same name in kebab-case \
      (commandEndpoint is --command-endpoint). An unknown key, a value of the wrong type or \
      out of range is reported with the key and the reason, and channelcastd exits with \
      status 1.

      DATA
        Every change is appended to a journal in dataDirectory before its reply and its \
      deliveries go out; snapshots are written in the background (every \
      snapshotJournalBytes of journal or snapshotIntervalSeconds) and on a clean stop, and the \
      journal before a snapshot is removed. At start the daemon loads the latest snapshot and \
      replays the journal after it; a record cut short by a crash at the journal's end is cut \
      off (and logged). Messages acknowledged but not yet fanned out when the daemon stopped are \
      fanned out again, resumeFanOutDelayMilliseconds after the start. Damage anywhere else stops the start with the file and offset: run \
      channelcastd --repair to keep a copy of the damaged journal and cut it at the damage. \
      Only one daemon may use a data directory at a time.

      SIGNALS
        SIGTERM and SIGINT stop the daemon cleanly: it stops taking commands, finishes the \
      fan-outs in flight (up to shutdownTimeoutSeconds), writes a snapshot and exits 0. \
      SIGHUP re-reads the configuration file and flags: logLevel, maxSubscriberCount, \
      historySize, historyMaxBytes, historyMaxAgeSeconds (applied to every channel at once), \
      maxPayloadBytes, maxSubscriptionsPerUser, channelSendRatePerSecond, channelSendBurst, \
      duplicateWindowSeconds, snapshotJournalBytes, snapshotIntervalSeconds and \
      shutdownTimeoutSeconds change live, and clientsFile is read again (a removed key is \
      refused from its next request on); changes to other keys are logged as needing a \
      restart. A file that does not load is rejected with its reason in the log, and the \
      running configuration stays.

      SECURITY
        With serverKeyFile (a key file made by channelcast keygen) and clientsFile set, both \
      sockets require CURVE: only the keys listed in clientsFile can connect, each with its \
      role. An admin may call every op; a publisher only sendMessage, recallMessages, \
      setOfficialAccountInfo, getSubscribers and getHistory (and ping), for the official \
      accounts its officialAccounts patterns cover; a gateway the per-user ops (subscribe, \
      unsubscribe, options, getOfficialAccountsInfo, getHistory with a userID, \
      sendMessageToOfficialAccount, ping) and the delivery socket. Anything else is answered \
      with permission_denied. Without CURVE the daemon refuses to bind an endpoint other \
      machines can reach (anything but 127.0.0.0/8, ::1, ipc:// and inproc://) unless \
      allowInsecure is true.

      SYSTEMD
        Under Type=notify (NOTIFY_SOCKET set) it reports READY=1 once recovered and bound, \
      STATUS= lines with the throughput, STOPPING=1 when it stops, and WATCHDOG=1 at half of \
      WatchdogSec= while its threads make progress. Metrics, /healthz and /readyz are served \
      over HTTP on metricsAddress.

      LOGS
        Logs go to standard error.

      EXIT STATUS
        0 after a clean stop or a repair; 1 when the configuration is invalid (an exposed \
      endpoint without CURVE, a key or clients file with a mistake), the data \
      directory is in use or cannot be recovered, an endpoint cannot be bound, or the journal \
      cannot be written; 64 for a usage error.

      EXAMPLES
        channelcastd
        channelcastd --config /etc/channelcast/channelcastd.toml --shards 4
        channelcastd --command-endpoint ipc:///run/channelcast/command.sock
        channelcastd --data-directory /var/lib/channelcast --fsync always
        channelcastd --data-directory /var/lib/channelcast --repair
      """)

  @Option(name: .long, help: "A TOML configuration file.", completion: .file())
  var config: String?

  @Option(help: help("commandEndpoint")) var commandEndpoint: String?
  @Option(help: help("deliveryEndpoint")) var deliveryEndpoint: String?
  @Option(help: help("maxRequestBytes")) var maxRequestBytes: Int?
  @Option(help: help("deliveryHighWaterMark")) var deliveryHighWaterMark: Int?
  @Option(help: help("deliverySendBufferBytes")) var deliverySendBufferBytes: Int?
  @Option(help: help("slowConsumerPolicy")) var slowConsumerPolicy: String?
  @Option(help: help("slowConsumerGraceMilliseconds")) var slowConsumerGraceMilliseconds: Int?
  @Option(help: help("shards")) var shards: Int?
  @Option(help: help("maxSubscriberCount")) var maxSubscriberCount: Int?
  @Option(help: help("maxSubscriptionsPerUser")) var maxSubscriptionsPerUser: Int?
  @Option(help: help("channelSendRatePerSecond")) var channelSendRatePerSecond: Int?
  @Option(help: help("channelSendBurst")) var channelSendBurst: Int?
  @Option(help: help("duplicateWindowSeconds")) var duplicateWindowSeconds: Int?
  @Option(help: help("historySize")) var historySize: Int?
  @Option(help: help("historyMaxBytes")) var historyMaxBytes: Int?
  @Option(help: help("maxPayloadBytes")) var maxPayloadBytes: Int?
  @Option(help: help("historyMaxAgeSeconds")) var historyMaxAgeSeconds: Int?
  @Option(help: help("dataDirectory")) var dataDirectory: String?
  @Option(help: help("fsync")) var fsync: String?
  @Option(help: help("snapshotJournalBytes")) var snapshotJournalBytes: Int?
  @Option(help: help("snapshotIntervalSeconds")) var snapshotIntervalSeconds: Int?
  @Option(help: help("resumeFanOutDelayMilliseconds")) var resumeFanOutDelayMilliseconds: Int?
  @Option(help: help("shutdownTimeoutSeconds")) var shutdownTimeoutSeconds: Int?
  @Option(help: help("serverKeyFile")) var serverKeyFile: String?
  @Option(help: help("clientsFile")) var clientsFile: String?
  @Option(help: help("allowInsecure")) var allowInsecure: Bool?
  @Option(help: help("metricsAddress")) var metricsAddress: String?
  @Option(help: help("logLevel")) var logLevel: String?
  @Flag(
    help: """
      Repair the data directory instead of serving: copy each damaged journal aside \
      (<file>.damaged-<time>), cut it at its first bad record, set aside the journals after \
      it, report how many records were dropped, and exit.
      """)
  var repair = false

  /// A flag's help: the key's description and its default.
  private static func help(_ name: String) -> ArgumentHelp {
    let key = ConfigurationKey.named(name)!
    return ArgumentHelp("\(key.help) (default: \(key.defaultValue))", valueName: name)
  }

  /// The flags given, by configuration key.
  private var flags: [(String, ConfigurationValue?)] {
    [
      ("commandEndpoint", commandEndpoint.map(ConfigurationValue.string)),
      ("deliveryEndpoint", deliveryEndpoint.map(ConfigurationValue.string)),
      ("maxRequestBytes", maxRequestBytes.map(ConfigurationValue.integer)),
      ("deliveryHighWaterMark", deliveryHighWaterMark.map(ConfigurationValue.integer)),
      ("deliverySendBufferBytes", deliverySendBufferBytes.map(ConfigurationValue.integer)),
      ("slowConsumerPolicy", slowConsumerPolicy.map(ConfigurationValue.string)),
      (
        "slowConsumerGraceMilliseconds",
        slowConsumerGraceMilliseconds.map(ConfigurationValue.integer)
      ),
      ("shards", shards.map(ConfigurationValue.integer)),
      ("maxSubscriberCount", maxSubscriberCount.map(ConfigurationValue.integer)),
      ("maxSubscriptionsPerUser", maxSubscriptionsPerUser.map(ConfigurationValue.integer)),
      ("channelSendRatePerSecond", channelSendRatePerSecond.map(ConfigurationValue.integer)),
      ("channelSendBurst", channelSendBurst.map(ConfigurationValue.integer)),
      ("duplicateWindowSeconds", duplicateWindowSeconds.map(ConfigurationValue.integer)),
      ("historySize", historySize.map(ConfigurationValue.integer)),
      ("historyMaxBytes", historyMaxBytes.map(ConfigurationValue.integer)),
      ("maxPayloadBytes", maxPayloadBytes.map(ConfigurationValue.integer)),
      ("historyMaxAgeSeconds", historyMaxAgeSeconds.map(ConfigurationValue.integer)),
      ("dataDirectory", dataDirectory.map(ConfigurationValue.string)),
      ("fsync", fsync.map(ConfigurationValue.string)),
      ("snapshotJournalBytes", snapshotJournalBytes.map(ConfigurationValue.integer)),
      ("snapshotIntervalSeconds", snapshotIntervalSeconds.map(ConfigurationValue.integer)),
      (
        "resumeFanOutDelayMilliseconds",
        resumeFanOutDelayMilliseconds.map(ConfigurationValue.integer)
      ),
      ("shutdownTimeoutSeconds", shutdownTimeoutSeconds.map(ConfigurationValue.integer)),
      ("serverKeyFile", serverKeyFile.map(ConfigurationValue.string)),
      ("clientsFile", clientsFile.map(ConfigurationValue.string)),
      ("allowInsecure", allowInsecure.map(ConfigurationValue.boolean)),
      ("metricsAddress", metricsAddress.map(ConfigurationValue.string)),
      ("logLevel", logLevel.map(ConfigurationValue.string)),
    ]
  }

  func run() async throws {
    let configuration: DaemonConfiguration
    do {
      configuration = try loadConfiguration()
    } catch {
      FileHandle.standardError.write(Data("channelcastd: \(error)\n".utf8))
      throw ExitCode(1)
    }
    let logLevel = LogLevelControl(configuration.logLevel)
    LoggingSystem.bootstrap { label in ReloadableLogHandler(label: label, control: logLevel) }
    let logger = Logger(label: "channelcastd")
    if repair {
      do {
        let report = try DataDirectoryRepair(path: configuration.dataDirectory).run()
        print(report)
        return
      } catch {
        logger.critical("cannot repair: \(error)")
        throw ExitCode(1)
      }
    }
    let daemon: ChannelCastDaemon
    do {
      daemon = try ChannelCastDaemon(
        configuration: configuration, logger: logger, logLevel: logLevel)
    } catch {
      logger.critical("cannot start: \(error)")
      throw ExitCode(1)
    }
    let reloads = reloadOnSIGHUP(daemon, logger: logger)
    defer { reloads.cancel() }
    let group = ServiceGroup(
      services: [daemon], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
  }

  /// Re-reads the configuration (the file, then the flags) on each SIGHUP and applies it; a
  /// configuration that does not load is rejected with its reason, and the running one stays.
  private func reloadOnSIGHUP(_ daemon: ChannelCastDaemon, logger: Logger)
    -> any DispatchSourceSignal
  {
    signal(SIGHUP, SIG_IGN)  // the dispatch source receives it instead
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler { [self] in
      logger.notice("SIGHUP: reloading the configuration")
      do {
        try daemon.reload(try loadConfiguration())
      } catch {
        logger.error(
          "reload rejected; the running configuration stays in force",
          metadata: ["reason": "\(error)"])
      }
    }
    source.resume()
    return source
  }

  private func loadConfiguration() throws -> DaemonConfiguration {
    var configuration = DaemonConfiguration()
    if let config {
      let text: String
      do {
        text = try String(contentsOfFile: config, encoding: .utf8)
      } catch {
        throw ConfigurationError(key: nil, reason: "cannot read the file", source: config)
      }
      try configuration.apply(toml: text, source: config)
    }
    for case (let name, let value?) in flags {
      try configuration.set(name, to: value, source: "command line")
    }
    return configuration
  }
}
