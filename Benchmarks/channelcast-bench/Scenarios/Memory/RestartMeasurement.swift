import Foundation
import ZeroMQ

/// What a loaded daemon leaves on disk when it stops cleanly, and how long it takes to come
/// back from it: the durability half of the `memory` scenario.
struct RestartMeasurement {
  let subscriptions: Int
  /// SIGTERM to exit, the final snapshot included.
  let stopSeconds: Double
  /// The data directory after the clean stop.
  let files: [DaemonUnderTest.DataFile]
  let leftoverSocketFiles: [String]
  let startup: DaemonUnderTest.Startup
  let residentBytesAfterRecovery: Int

  /// Stops `daemon` cleanly, reads its data directory, starts it again on it and checks with
  /// `stats` that it holds `subscriptions` subscriptions of `users` users again.
  init(daemon: DaemonUnderTest, subscriptions: Int, users: Int, timeoutSeconds: Double) throws {
    self.subscriptions = subscriptions
    stopSeconds = try daemon.stopCleanly(within: timeoutSeconds)
    leftoverSocketFiles = daemon.leftoverSocketFiles
    files = try daemon.dataFiles()
    guard files.contains(where: { $0.name.hasPrefix("snapshot-") && $0.name.hasSuffix(".ccs") })
    else {
      throw BenchmarkError(
        "no snapshot in the data directory after a clean stop: "
          + files.map(\.name).joined(separator: ", "))
    }
    startup = try daemon.restart(within: timeoutSeconds)
    residentBytesAfterRecovery = try daemon.residentBytes()
    guard startup.recovery.loadedAnything else {
      throw BenchmarkError("the restarted daemon found an empty data directory")
    }
    let context = try ZMQContext()
    let population = try Population(commandEndpoint: daemon.commandEndpoint, context: context)
    let stats = try DaemonStats(population: population)
    guard stats.subscriptions == subscriptions, stats.users == users else {
      throw BenchmarkError(
        "after the restart the daemon holds \(stats.subscriptions) subscriptions of "
          + "\(stats.users) users; before the stop it held \(subscriptions) of \(users)")
    }
  }

  var diskBytes: Int { files.reduce(0) { $0 + $1.bytes } }

  func record(label: String, into recorder: inout RunRecorder) {
    let mebibyte = Double(1 << 20)
    recorder.record("\(label): clean stop (SIGTERM → exit, with snapshot)", stopSeconds, unit: "s")
    recorder.record(
      "\(label): data directory after the clean stop", Double(diskBytes) / mebibyte, unit: "MiB")
    recorder.record(
      "\(label): bytes on disk per subscription", Double(diskBytes) / Double(subscriptions),
      unit: "B")
    recorder.record(
      "\(label): recovery, process start → first answered ping", startup.secondsToFirstAnswer,
      unit: "s")
    recorder.record(
      "\(label): recovery as logged by the daemon", Double(startup.recovery.milliseconds) / 1000,
      unit: "s")
    recorder.record(
      "\(label): journal records replayed at recovery", Double(startup.recovery.journalRecords),
      unit: "records")
    recorder.record(
      "\(label): RSS after recovery", Double(residentBytesAfterRecovery) / mebibyte, unit: "MiB")
  }

  /// What the table cannot show: the files, and anything the daemon left that it should not.
  func notes(size: Int) -> [String] {
    var notes = [
      "\(size) subscriptions, the data directory after the clean stop: "
        + files.map { "\($0.name) \($0.bytes) B" }.joined(separator: ", ")
    ]
    if !leftoverSocketFiles.isEmpty {
      notes.append(
        "\(size) subscriptions: the cleanly stopped daemon left its ipc:// socket files behind "
          + "(\(leftoverSocketFiles.joined(separator: ", "))); removed before the restart")
    }
    return notes
  }
}
