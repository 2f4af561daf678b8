import Foundation
import ZeroMQ

/// Watches the daemon while the stress load runs: samples its resident memory and `stats` at
/// set times, checks twice a second that its process is still there, and stops the load early
/// when it is not (or when it stops answering `stats`).
struct StressMemoryWatch {
  /// One sample; the figures the daemon could not give are nil.
  struct Sample {
    let seconds: Double
    let residentBytes: Int?
    let queuedDeliveries: Int?
    let subscriptions: Int?
    let officialAccounts: Int?
    /// The data directory in short ("snapshot 1, journal 2, 40.1 MiB"): a new generation
    /// between two samples means a snapshot was written, which copies what changes meanwhile.
    let dataDirectory: String?
  }

  /// How long a `stats` request may take before the daemon counts as not answering.
  static let statsTimeoutMilliseconds = 10_000

  let daemon: DaemonUnderTest
  private let statsClient: Population
  private(set) var samples: [Sample] = []
  /// Why the load was stopped early, if it was.
  private(set) var failure: String?

  init(daemon: DaemonUnderTest, context: ZMQContext) throws {
    self.daemon = daemon
    statsClient = try Population(
      commandEndpoint: daemon.commandEndpoint, context: context,
      timeoutMilliseconds: Self.statsTimeoutMilliseconds)
  }

  /// The sample times, in seconds from the start: every `interval`, the reference (after the
  /// first minute, or after a tenth of a shorter run) and the end.
  static func sampleTimes(duration: Double, interval: Double, reference: Double) -> [Double] {
    let regular = stride(from: interval, to: duration, by: interval)
    return Set(regular + [reference, duration]).sorted()
  }

  /// Samples at `times` (seconds after the schedule's start) until the last, printing a
  /// progress line to standard error after each; `progress` says how far the load got.
  mutating func watch(
    _ schedule: StressSchedule, at times: [Double], progress: () -> (sent: Int, answered: Int)
  ) {
    for time in times {
      let due = schedule.start + UInt64(time * 1e9)
      while MonotonicClock.nanoseconds() < due {
        if let exit = daemon.exitDescription {
          stop(schedule, because: "channelcastd \(exit) after \(Self.seconds(schedule)) s")
          return
        }
        let left = due - MonotonicClock.nanoseconds()
        usleep(UInt32(min(left / 1000, 500_000)))
      }
      let sample = take(at: schedule.elapsedSeconds)
      samples.append(sample)
      let (sent, answered) = progress()
      let memory = sample.residentBytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) }
      FileHandle.standardError.write(
        Data(
          ("stress: \(Self.seconds(schedule)) s: RSS \(memory ?? "–"), queued deliveries "
            + "\(sample.queuedDeliveries.map(String.init) ?? "–"), requests \(sent) sent, "
            + "\(answered) answered\n").utf8))
      if sample.queuedDeliveries == nil {
        stop(
          schedule,
          because: daemon.exitDescription.map { "channelcastd \($0)" }
            ?? "channelcastd did not answer stats within \(Self.statsTimeoutMilliseconds) ms "
            + "at \(Self.seconds(schedule)) s")
        return
      }
    }
  }

  /// One sample now (also after the load, once the fan-out has drained).
  func take(at seconds: Double) -> Sample {
    let stats = daemon.exitDescription == nil ? try? DaemonStats(population: statsClient) : nil
    return Sample(
      seconds: seconds, residentBytes: try? daemon.residentBytes(),
      queuedDeliveries: stats?.shardQueueDepths.reduce(0, +),
      subscriptions: stats?.subscriptions, officialAccounts: stats?.officialAccounts,
      dataDirectory: (try? daemon.dataFiles()).map(Self.summary))
  }

  private static func summary(of files: [DaemonUnderTest.DataFile]) -> String {
    func generation(_ prefix: String) -> String {
      let names = files.map(\.name).filter { $0.hasPrefix(prefix) }
      return names.max().map { name in
        String(Int(name.dropFirst(prefix.count).prefix { $0.isNumber }) ?? -1)
      } ?? "none"
    }
    let bytes = Double(files.reduce(0) { $0 + $1.bytes }) / 1_048_576
    return "snapshot \(generation("snapshot-")), journal \(generation("journal-")), "
      + String(format: "%.1f MiB", bytes)
  }

  private mutating func stop(_ schedule: StressSchedule, because reason: String) {
    failure = reason
    schedule.stopEarly()
    FileHandle.standardError.write(Data("stress: stopping the load: \(reason)\n".utf8))
  }

  private static func seconds(_ schedule: StressSchedule) -> String {
    String(format: "%.0f", schedule.elapsedSeconds)
  }
}
