import ArgumentParser

/// How long a request waits while the daemon writes snapshots in the background: the issue
/// promises they do not stop the command path for more than a few milliseconds.
struct SnapshotPauseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot-pause",
    abstract: "Subscribe round trips while background snapshots run, against none running.",
    discussion: """
      For each size, per run, two fresh daemons one after the other, each loaded with the \
      population of the `memory` scenario (same flags). One writes no snapshots \
      (--snapshot-journal-bytes 2^40, --snapshot-interval-seconds 0); the other has \
      --snapshot-journal-bytes set to --snapshot-journal-bytes here (and no snapshots by time), \
      so that a snapshot starts every few thousand subscribes and they run back to back. Which \
      daemon goes first alternates from run to run.

      Once a daemon is at rest (fan-out queues empty, no snapshot written for a second), one \
      client subscribes new users for --seconds, one request at a time (each sent when the \
      previous reply is in), to --new-user-channels channels created after the load, and \
      every round trip goes into a histogram. The daemon logs at info level into a file; its \
      `snapshot written` lines, matched by journal generation, tell which snapshots were being \
      written during the measurement and how long writing each file took. A failed request \
      fails the run.
      """)

  @OptionGroup var daemonOptions: DaemonOptions
  @OptionGroup var populationOptions: UniformPopulationOptions

  @Option(help: "Seconds each daemon is measured for.") var seconds = 10.0

  @Option(help: "--snapshot-journal-bytes of the daemon that writes snapshots (at least 4096).")
  var snapshotJournalBytes = 65_536

  @Option(help: "Channels the new users subscribe to, created after the load.")
  var newUserChannels = 100

  func validate() throws {
    guard daemonOptions.endpoint == nil else {
      throw ValidationError(
        "snapshot-pause starts daemons with its own snapshot settings and reads their logs; it "
          + "cannot measure one at --endpoint")
    }
    guard seconds > 0, newUserChannels >= 1 else {
      throw ValidationError("--seconds and --new-user-channels must be positive")
    }
    guard snapshotJournalBytes >= 4096 else {
      throw ValidationError("--snapshot-journal-bytes must be at least 4096, the daemon's minimum")
    }
  }

  func run() throws {
    var recorder = RunRecorder()
    var notes = [
      "snapshot write time is the daemon's `milliseconds=`: writing the file on the snapshot "
        + "queue, from its start to the old files removed. Starting a snapshot (rotating the "
        + "journal, taking the copy-on-write state) happens on the command thread, before the "
        + "replies of the run of requests that made it due go out, and is not logged"
    ]
    for size in populationOptions.subscriptions {
      let population = populationOptions.population(subscriptions: size)
      let label = "\(size) subscriptions"
      for run in 0..<daemonOptions.runs {
        // Alternate which daemon goes first, so that neither always gets the quieter moment.
        let order: [SnapshotPauseMeasurement.Snapshots] = run % 2 == 0 ? [.off, .on] : [.on, .off]
        for snapshots in order {
          let measurement = try SnapshotPauseMeasurement(
            .init(
              snapshots: snapshots, journalBytes: snapshotJournalBytes, seconds: seconds,
              newUserChannels: newUserChannels),
            population: population, options: daemonOptions)
          measurement.record(label: label, into: &recorder)
          if run == daemonOptions.runs - 1 { notes += measurement.notes(label: label) }
        }
      }
    }
    try Report(
      scenario: "snapshot-pause", runs: daemonOptions.runs,
      settings: daemonOptions.settings.merging(populationOptions.settings) { $1 }.merging([
        "seconds": String(seconds), "snapshotJournalBytes": String(snapshotJournalBytes),
        "newUserChannels": String(newUserChannels),
      ]) { $1 },
      figures: recorder.figures, notes: notes
    ).publish(jsonPath: daemonOptions.json)
  }
}
