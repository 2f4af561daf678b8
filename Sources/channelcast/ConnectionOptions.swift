import ArgumentParser

/// Where the daemon's command socket is and how long to wait for its reply: the options every
/// request-sending subcommand shares.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "The daemon's command socket (a ZeroMQ endpoint).")
  var endpoint = "tcp://127.0.0.1:7701"

  @Option(help: ArgumentHelp("How long to wait for the reply, in milliseconds.", valueName: "ms"))
  var timeout = 10_000

  func validate() throws {
    guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of ms") }
  }
}
