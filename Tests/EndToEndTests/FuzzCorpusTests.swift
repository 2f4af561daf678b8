import Foundation
import Testing

/// The fuzz targets, in their plain build, replay their checked-in seed corpora without a
/// broken promise: the seeds still reach the code they were written for, and the targets'
/// checks still hold for them. (`make fuzz` runs the targets for real.)
@Suite struct FuzzCorpusTests {
  private static let corpora = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/Corpus")

  @Test(arguments: [("RequestFuzzer", "Request"), ("JournalFuzzer", "Journal")])
  func aTargetReplaysItsSeedCorpus(_ target: String, _ corpus: String) async throws {
    let executable = try BuiltProducts.executable(named: target)
    let seeds = Self.corpora.appendingPathComponent(corpus)
    let count = try FileManager.default.contentsOfDirectory(atPath: seeds.path).count
    #expect(count > 10)
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }

    let replay = try ChildProcess(executable, [seeds.path], capturingIn: directory)
    defer { replay.stop() }

    try #require(await replay.waitForExit(seconds: 120))
    #expect(replay.exitedNormally && replay.exitStatus == 0, "\(replay.standardError)")
    #expect(replay.standardOutput.contains("\(target): ran \(count) inputs"))
  }
}
