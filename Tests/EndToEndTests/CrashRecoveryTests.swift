import Foundation
import Testing

/// `channelcastd` killed with SIGKILL at random moments while a publisher pipelines requests,
/// then started again on the same data directory.
@Suite struct CrashRecoveryTests {
  /// Kill/restart cycles per round, all on one data directory.
  static let cyclesPerRound = 3

  /// The rounds' seeds: 1...5, or as many as `CHANNELCAST_CRASH_ROUNDS` asks for, from
  /// `CHANNELCAST_CRASH_FIRST_SEED` on (to run one failing round again). The seed fixes the
  /// requests, the daemon's settings and the kill delays; the moment the kill lands in the
  /// daemon's work still varies from run to run.
  static let seeds: [UInt64] = {
    let environment = ProcessInfo.processInfo.environment
    let rounds = environment["CHANNELCAST_CRASH_ROUNDS"].flatMap { UInt64($0) } ?? 5
    let first = environment["CHANNELCAST_CRASH_FIRST_SEED"].flatMap { UInt64($0) } ?? 1
    return Array(first..<(first + rounds))
  }()

  /// Every mutation the daemon acknowledged before a kill -9 is there after the restart; a
  /// request in flight is either there or not (see `CrashWorkload`); and seqs go on from the
  /// highest acknowledged one.
  @Test(.serialized, .timeLimit(.minutes(5)), arguments: seeds)
  func everyAcknowledgedMutationSurvivesKillNine(seed: UInt64) async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    var workload = CrashWorkload(seed: seed)
    var settings = SeededRandom(seed: seed ^ 0x5EED)
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"),
      arguments: Self.daemonSettings(&settings))
    defer { daemon.stop() }

    var cycle = 1
    do {
      try await daemon.waitUntilServing()
      while cycle <= Self.cyclesPerRound {
        let killAt = ContinuousClock.now + workload.killDelay()
        // The client goes with the statement, and the requests it still queues with it: libzmq
        // would send them to the restarted daemon.
        try workload.run(with: daemon.client(), until: killAt)
        try await daemon.kill9()
        try daemon.restart()
        try await daemon.waitUntilServing()

        let client = try daemon.client()
        try workload.recover(from: ObservedState.read(CrashWorkload.channelIDs, with: client))
        try workload.probe(with: client)
        cycle += 1
      }
    } catch {
      Issue.record("seed \(seed), cycle \(cycle), \(daemon.arguments): \(error)")
    }
  }

  /// The data directory's settings for a round: each fsync policy (a kill -9 loses nothing
  /// the OS holds under any of them) and snapshots from never to every few requests, so that
  /// kills land in snapshot writes and journal rotations too. No entry ever leaves the
  /// history, which the model keeps whole.
  private static func daemonSettings(_ random: inout SeededRandom) -> [String] {
    [
      "--fsync", ["never", "everysec", "always"].randomElement(using: &random)!,
      "--snapshot-journal-bytes", ["4096", "65536", "67108864"].randomElement(using: &random)!,
      "--snapshot-interval-seconds", ["0", "1"].randomElement(using: &random)!,
      "--history-size", "10000000", "--history-max-bytes", "1073741824",
    ]
  }
}
