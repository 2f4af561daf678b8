import ArgumentParser
import ChannelCastServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

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
      SIGHUP re-reads the configuration file and flags: \(ChannelCastDaemonCommand.reloadableKeys) \
      change live (historyMaxBytes and historyMaxAgeSeconds apply to every channel at once, \
      and clientsFile is read again: a removed key is refused from its next request on); \
      changes to other keys are logged as needing a restart. A file that does not load is \
      rejected with its reason in the log, and the running configuration stays.

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

      SETTINGS
        Each key of the configuration file, as a flag: --name value or --name=value.

      \(ChannelCastDaemonCommand.settingsHelp)
      """)

  @Option(name: .long, help: "A TOML configuration file.", completion: .file())
  var config: String?

  @Argument(
    parsing: .allUnrecognized,
    help: ArgumentHelp(
      "Settings, each key of the configuration file as a flag (see SETTINGS).",
      valueName: "--setting value"))
  var settings: [String] = []

  @Flag(
    help: """
      Repair the data directory instead of serving: copy each damaged journal aside \
      (<file>.damaged-<time>), cut it at its first bad record, set aside the journals after \
      it, report how many records were dropped, and exit.
      """)
  var repair = false

  func validate() throws {
    do {
      _ = try ConfigurationKey.values(fromFlags: settings)
    } catch {
      throw ValidationError("\(error)")
    }
  }

  /// The keys a reload applies, as the help lists them.
  private static var reloadableKeys: String {
    ConfigurationKey.reloadable.map(\.name).joined(separator: ", ")
  }

  /// Every setting's flag, help and default, in the style of the options above.
  private static var settingsHelp: String {
    ConfigurationKey.all.map { key in
      let value = key.kind == .boolean ? "true|false" : "<\(key.name)>"
      let reload = key.isReloadable ? " Reloadable." : ""
      return "  \(key.flag) \(value)\n        \(key.help)\(reload) (default: "
        + "\(key.defaultDescription ?? key.defaultValue))"
    }.joined(separator: "\n")
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
    // Trapped before the daemon starts serving, so that a SIGHUP from then on reloads, and a
    // SIGTERM or SIGINT that arrives before the group runs (the daemon answers requests from
    // the end of recovery) is kept and stops the daemon cleanly once it does, rather than
    // killing it with the signal's default action.
    let hangups = await UnixSignalsSequence(trapping: .sighup)
    let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    let daemon: ChannelCastDaemon
    do {
      daemon = try ChannelCastDaemon(
        configuration: configuration, logger: logger, logLevel: logLevel)
    } catch {
      logger.critical("cannot start: \(error)")
      throw ExitCode(1)
    }
    let reload = ConfigurationReload(signals: hangups, logger: logger) { [self] in
      try daemon.reload(try loadConfiguration())
    }
    // In dependency order; the group stops them in the reverse order, the reload first. A part
    // that fails shuts the group down the same way.
    let services = (daemon.services + [reload]).map {
      ServiceGroupConfiguration.ServiceConfiguration(
        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
        failureTerminationBehavior: .gracefullyShutdownGroup)
    }
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(services: services, logger: logger))
    do {
      try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
          // Ends when the group has ended (the iteration is cancelled then).
          for await signal in stops {
            logger.info("\(signal) received: stopping gracefully")
            await group.triggerGracefulShutdown()
          }
        }
        try await group.run()
        tasks.cancelAll()
      }
    } catch {
      daemon.shutdown()
      logger.critical("stopped: \(error)")
      throw ExitCode(1)
    }
    daemon.shutdown()
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
    for (key, value) in try ConfigurationKey.values(fromFlags: settings) {
      try configuration.set(key.name, to: value, source: "command line")
    }
    return configuration
  }
}
