import ChannelCastClient
import ZeroMQ

/// The daemon once the stress load is over: is it still the process that was started, does it
/// answer `ping`, and once its fan-out queues are empty and the consumer has gone quiet, what
/// does `stats` count? Whatever cannot be learned is a problem for the report, not an error.
struct StressEnding {
  /// How the started daemon ended, or nil while it runs.
  let exit: String?
  let answersPing: Bool
  /// Whether it is the process that was started and has run all along (its uptime covers the
  /// whole scenario); nil when that cannot be told.
  let sameProcess: Bool?
  let uptimeSeconds: Int?
  let deliveriesDropped: Int?
  let problems: [String]

  init(
    daemon: DaemonUnderTest, processID: Int32?, population: Population,
    counter: DeliveryCounter, secondsSinceStart: Double, timeoutSeconds: Double
  ) throws {
    var problems: [String] = []
    exit = daemon.exitDescription
    let context = try ZMQContext()
    let client = try ChannelCastClient(
      endpoint: daemon.commandEndpoint, context: context, timeoutMilliseconds: 5000)
    answersPing = exit == nil && (try? client.call(.ping))?.ok == true
    if !answersPing { problems.append("channelcastd did not answer ping within 5 s") }

    var stats: DaemonStats?
    if answersPing {
      do {
        try DaemonStats.waitUntilIdle(
          population: population,
          deadline: Deadline("fan-out queues emptying after the load", seconds: timeoutSeconds))
        try counter.waitForQuiet(
          quietMilliseconds: 500, deadline: Deadline("consumer going quiet", seconds: 60))
        stats = try DaemonStats(population: population)
      } catch {
        problems.append("\(error)")
      }
    }
    uptimeSeconds = stats?.uptimeSeconds
    deliveriesDropped = stats?.deliveriesDropped
    let ranThroughout = stats.map { Double($0.uptimeSeconds) >= secondsSinceStart.rounded(.down) }
    if let processID {
      sameProcess = exit == nil && daemon.processID == processID && ranThroughout != false
    } else {
      sameProcess = ranThroughout
    }
    if sameProcess == false {
      problems.append(
        "channelcastd is not the process that was started (uptime \(uptimeSeconds ?? -1) s, "
          + "scenario \(Int(secondsSinceStart)) s)")
    }
    self.problems = problems
  }
}
