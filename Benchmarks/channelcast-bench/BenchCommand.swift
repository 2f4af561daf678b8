import ArgumentParser

@main
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "channelcast-bench",
    abstract: "Load-test scenarios for channelcastd.",
    discussion: """
      Each scenario starts its own channelcastd (the release build next to this program, on \
      ipc:// endpoints and with its data directory in a temporary folder, --fsync never unless \
      told otherwise) unless --endpoint names a running one, runs \
      --runs times (default 3), prints a Markdown table of medians and spreads, and writes JSON \
      with --json FILE. Every wait is bounded: a scenario that cannot finish says so and exits \
      non-zero.

      Build first: swift build -c release
      Example: .build/release/channelcast-bench megacast --subscribers 1000000
      """,
    subcommands: [
      MegacastCommand.self, CompareCommand.self, MixedCommand.self, SubscribeCommand.self,
      MemoryCommand.self, SnapshotPauseCommand.self, StressCommand.self, ClusterCommand.self,
    ])
}
