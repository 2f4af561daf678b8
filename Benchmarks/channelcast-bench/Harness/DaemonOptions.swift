import ArgumentParser
import Foundation

/// Options every scenario shares: how many runs, where to write JSON, and which daemon to
/// measure.
struct DaemonOptions: ParsableArguments {
  @Option(help: "Runs to take the median over.")
  var runs = 3

  @Option(help: "Also write the results as JSON to this file.")
  var json: String?

  @Option(
    help: "Measure the daemon already running at this command endpoint instead of starting one.")
  var endpoint: String?

  @Option(help: "The delivery endpoint of the daemon given with --endpoint.")
  var deliveryEndpoint = "tcp://127.0.0.1:7702"

  @Option(help: "The channelcastd binary to start (default: the one next to this program).")
  var daemon: String?

  @Option(help: "Fan-out shards of the started daemon (default: its own default).")
  var shards: Int?

  @Option(help: "deliveryHighWaterMark of the started daemon (default: its own default).")
  var deliveryHighWaterMark: Int?

  @Option(help: "deliverySendBufferBytes of the started daemon (default: its own default).")
  var deliverySendBufferBytes: Int?

  /// `never` by default, unlike the daemon's own `everysec`: the throughput targets of the
  /// load-test issue are stated without fsync.
  @Option(help: "fsync setting of the started daemon: always, everysec or never.")
  var fsync = FsyncPolicy.never

  /// Always passed, though `block` is the daemon's default too: a report then says which
  /// policy its missing or dropped deliveries happened under.
  @Option(
    help: """
      What the started daemon does when a consumer's queue is full: block (fan-out waits, \
      nothing is dropped) or drop (deliveries are dropped and counted in its stats).
      """)
  var slowConsumerPolicy = SlowConsumerPolicy.block

  @Option(help: "Give up on a run after this many seconds.")
  var timeoutSeconds: Double = 120

  func validate() throws {
    guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
  }

  /// Refuses a scenario's `--curve` together with --endpoint.
  func validate(curve: Bool) throws {
    guard curve, endpoint != nil else { return }
    throw ValidationError(
      "--curve cannot be used with --endpoint: it starts the daemon with keys the harness "
        + "makes, and the harness does not know the keys of a daemon that is already running")
  }

  /// The daemon binary: --daemon, else channelcastd beside this executable.
  var daemonBinary: String {
    daemon
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().appendingPathComponent("channelcastd").path
  }

  /// Starts a fresh daemon (with extra flags, and `fsync` instead of --fsync when given), or
  /// connects to the one given with --endpoint. `endpoints` starts it on those rather than on
  /// ipc:// endpoints in its temporary folder; `capturingInfoLog` keeps its info-level log;
  /// `curve` starts it with CURVE keys the harness makes (`DaemonUnderTest.curve`), which a
  /// daemon at --endpoint does not have (`validate(curve:)` refuses that). `folder` and
  /// `startSeconds` are `DaemonUnderTest`'s.
  func startDaemon(
    extraArguments: [String] = [], fsync: FsyncPolicy? = nil,
    endpoints: (command: String, delivery: String)? = nil, capturingInfoLog: Bool = false,
    curve: Bool = false, folder: URL? = nil, startSeconds: Double = 15
  ) throws -> DaemonUnderTest {
    if let endpoint {
      return DaemonUnderTest(commandEndpoint: endpoint, deliveryEndpoint: deliveryEndpoint)
    }
    var arguments =
      extraArguments + [
        "--fsync", (fsync ?? self.fsync).rawValue,
        "--slow-consumer-policy", slowConsumerPolicy.rawValue,
      ]
    if let shards { arguments += ["--shards", String(shards)] }
    if let deliveryHighWaterMark {
      arguments += ["--delivery-high-water-mark", String(deliveryHighWaterMark)]
    }
    if let deliverySendBufferBytes {
      arguments += ["--delivery-send-buffer-bytes", String(deliverySendBufferBytes)]
    }
    return try DaemonUnderTest(
      binary: daemonBinary, arguments: arguments, endpoints: endpoints,
      capturingInfoLog: capturingInfoLog, curveKeys: curve ? try DaemonCurveKeys.generate() : nil,
      folder: folder, startSeconds: startSeconds)
  }

  /// The settings to print with a report.
  var settings: [String: String] {
    var settings: [String: String] = ["daemon": endpoint ?? "started by the harness"]
    if endpoint == nil {
      settings["fsync"] = fsync.rawValue
      settings["slowConsumerPolicy"] = slowConsumerPolicy.rawValue
      settings["dataDirectoryFilesystem"] = DaemonUnderTest.dataFilesystem
    }
    if let shards { settings["shards"] = String(shards) }
    if let deliveryHighWaterMark {
      settings["deliveryHighWaterMark"] = String(deliveryHighWaterMark)
    }
    if let deliverySendBufferBytes {
      settings["deliverySendBufferBytes"] = String(deliverySendBufferBytes)
    }
    return settings
  }
}
