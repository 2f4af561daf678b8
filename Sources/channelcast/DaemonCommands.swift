import ArgumentParser

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
    try RequestRunner(connection: connection).run("ping")
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
    try RequestRunner(connection: connection).run("stats")
  }
}
