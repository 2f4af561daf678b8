import ArgumentParser
import Foundation

/// `channelcast ping`: ping.
struct PingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ping",
    abstract: "Check that the daemon answers (ping).",
    discussion: """
      Prints {"version": ..., "protocolVersion": 1}. Exit status 2 means no reply arrived \
      within --timeout: the daemon is not running at --endpoint, or is not reachable.

      EXAMPLE
        channelcast ping --endpoint tcp://10.0.0.5:7701 --timeout 2000
      """)

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.ping)
  }
}

/// `channelcast stats`: stats.
struct StatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Show the daemon's counters (stats).",
    discussion: """
      Prints the counts of channels, subscriptions, broadcasts, deliveries sent and dropped, \
      each shard's queue depth, and the uptime.

      EXAMPLE
        channelcast stats
      """)

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    try RequestRunner(connection: connection).run(.stats)
  }
}

/// `channelcast backup`: backup.
struct BackupCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Copy a running daemon's data into a directory (backup).",
    discussion: """
      The daemon writes a fresh snapshot and copies it, with the journal after it, into \
      DIRECTORY, which must be new or empty and is on the daemon's machine (a relative path is \
      taken from the current directory). Commands wait while the snapshot is written: about a \
      second per few million subscriptions; raise --timeout for large states. Prints \
      {"directory", "files", "generation", "bytes"}.

      To restore: stop the daemon, empty its data directory, copy the backup's files into it, \
      and start the daemon.

      EXAMPLE
        channelcast backup /var/backups/channelcast/2026-11-26
      """)

  @Argument(help: "Where to write the backup (new or empty).")
  var directory: String

  @OptionGroup var connection: ConnectionOptions

  func run() throws {
    let absolute =
      directory.hasPrefix("/")
      ? directory : FileManager.default.currentDirectoryPath + "/" + directory
    try RequestRunner(connection: connection).run(.backup) { request in
      request.add("directory", absolute)
    }
  }
}
