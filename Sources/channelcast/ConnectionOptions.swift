import ArgumentParser

/// Where the daemon's command socket is, how long to wait for its reply and, for a daemon that
/// requires CURVE, the keys: the options every request-sending subcommand shares.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "The daemon's command socket (a ZeroMQ endpoint).")
  var endpoint = "tcp://127.0.0.1:7701"

  @Option(help: ArgumentHelp("How long to wait for the reply, in milliseconds.", valueName: "ms"))
  var timeout = 10_000

  @OptionGroup var curve: CurveOptions

  func validate() throws {
    guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of ms") }
  }
}
