import Foundation
import ZeroMQ

/// One half of the `snapshot-pause` scenario: a fresh daemon, started with or without
/// background snapshots, loaded with the `memory` population, then timed by one sequential
/// client for a fixed time; and which snapshots it was writing meanwhile.
struct SnapshotPauseMeasurement {
  /// Whether the daemon writes snapshots while it is measured.
  enum Snapshots: String {
    /// `--snapshot-journal-bytes` as high as it goes and no snapshots by time: the baseline.
    case off
    /// A small `--snapshot-journal-bytes`, so that snapshots run back to back.
    case on

    func daemonArguments(journalBytes: Int) -> [String] {
      let bytes = self == .on ? journalBytes : 1 << 40
      return ["--snapshot-journal-bytes", String(bytes), "--snapshot-interval-seconds", "0"]
    }
  }

  /// The setting of the measured daemon, its flags included.
  struct Setting {
    let snapshots: Snapshots
    let journalBytes: Int
    let seconds: Double
    let newUserChannels: Int
  }

  let snapshots: Snapshots
  /// Subscribing the population, batch requests (snapshots running back to back for `on`).
  let loadSeconds: Double
  let roundTrips: SequentialSubscriber.RoundTrips
  /// The snapshots being written at some moment of the measurement, in order.
  let overlapping: [DaemonLog.SnapshotWritten]

  /// Starts a daemon with `setting`, loads `population` and creates the channels the new users
  /// subscribe to, waits until the daemon is at rest, and measures.
  init(
    _ setting: Setting, population: UniformPopulation, options: DaemonOptions
  ) throws {
    snapshots = setting.snapshots
    let daemon = try options.startDaemon(
      extraArguments: setting.snapshots.daemonArguments(journalBytes: setting.journalBytes),
      capturingInfoLog: true)
    defer { daemon.stop() }
    guard let log = daemon.log else { throw BenchmarkError("the daemon's log was not captured") }
    let context = try ZMQContext()
    let client = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let setup = Deadline(
      "loading \(population.subscriptions) subscriptions", seconds: options.timeoutSeconds * 4)
    try population.createChannels(in: client, deadline: setup)
    loadSeconds = try population.subscribeAll(
      in: client, daemon: daemon,
      label: "snapshot-pause \(population.subscriptions), snapshots \(setting.snapshots)",
      deadline: setup)
    let prefix = "@TOA#_pause-\(UInt32.random(in: 0...UInt32.max))-"
    let channelIDs = (0..<setting.newUserChannels).map { prefix + String($0) }
    for channel in channelIDs {
      // The population's channels are full; these have room for any length of measurement.
      try client.createChannel(channel, maxSubscriberCount: 1_000_000)
    }
    try DaemonStats.waitUntilIdle(population: client, deadline: setup)
    try daemon.waitUntilNoSnapshotInProgress(setup, quietSeconds: 1)

    let mark = log.byteCount
    let firstGeneration = try daemon.journalGeneration()
    var subscriber = try SequentialSubscriber(
      endpoint: daemon.commandEndpoint, context: context, channelIDs: channelIDs,
      userPrefix: "pause-u")
    roundTrips = try subscriber.measure(
      seconds: setting.seconds,
      deadline: Deadline(
        "\(setting.seconds) s of subscribes", seconds: setting.seconds + options.timeoutSeconds))
    let lastGeneration = try daemon.journalGeneration()
    overlapping = try Self.snapshots(
      in: log, after: mark, generations: firstGeneration...lastGeneration,
      deadline: Deadline("the snapshots started while measuring", seconds: options.timeoutSeconds))
  }

  /// The snapshots of `generations` that the log shows written after byte `mark`, once it shows
  /// every one but the first: the first was started before the measurement (it overlapped if it
  /// was written after the mark), the others while it ran.
  private static func snapshots(
    in log: DaemonLog, after mark: Int, generations: ClosedRange<Int>, deadline: Deadline
  ) throws -> [DaemonLog.SnapshotWritten] {
    while true {
      let written = try log.snapshotsWritten(after: mark).filter {
        generations.contains($0.generation)
      }
      let started = generations.dropFirst()
      if started.allSatisfy({ generation in written.contains { $0.generation == generation } }) {
        return written
      }
      try deadline.check()
      usleep(50_000)
    }
  }

  /// Adds this measurement's figures, named `<label>, snapshots on|off: …`.
  func record(label: String, into recorder: inout RunRecorder) {
    let label = "\(label), snapshots \(snapshots)"
    for (name, percentile) in [("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)] {
      recorder.record(
        "\(label): round trip \(name)", roundTrips.milliseconds(atPercentile: percentile),
        unit: "ms")
    }
    recorder.record("\(label): round trip max", roundTrips.maximumMilliseconds, unit: "ms")
    for milliseconds in [1.0, 10.0] {
      recorder.record(
        "\(label): round trips ≥ \(Int(milliseconds)) ms",
        Double(roundTrips.count(atLeastMilliseconds: milliseconds)), unit: "count")
    }
    recorder.record(
      "\(label): subscribes per second", Double(roundTrips.count) / roundTrips.seconds,
      unit: "1/s")
    recorder.record(
      "\(label): snapshots overlapping the measurement", Double(overlapping.count),
      unit: "count")
    if snapshots == .on {
      let times = overlapping.map(\.milliseconds).sorted()
      recorder.record(
        "\(label): snapshot write time, median",
        times.isEmpty ? .nan : times[times.count / 2], unit: "ms")
      recorder.record("\(label): snapshot write time, max", times.last ?? .nan, unit: "ms")
    }
    recorder.record("\(label): loading the population", loadSeconds, unit: "s")
  }

  /// What the table cannot show: each snapshot's write time and the slowest round trips.
  func notes(label: String) -> [String] {
    let label = "\(label), snapshots \(snapshots)"
    var notes: [String] = []
    if !overlapping.isEmpty {
      notes.append(
        "\(label): snapshots written during the \(String(format: "%.1f", roundTrips.seconds)) s "
          + "(generation: milliseconds) "
          + overlapping.map { String(format: "%d: %.0f", $0.generation, $0.milliseconds) }.joined(
            separator: ", "))
    }
    notes.append(
      "\(label): slowest round trips (ms, request number, s into the measurement) "
        + roundTrips.slowest.map {
          String(format: "%.1f (#%d, %.2f s)", Double($0.nanoseconds) / 1e6, $0.request, $0.start)
        }.joined(separator: ", "))
    return notes
  }
}
