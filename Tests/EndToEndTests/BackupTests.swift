import ChannelCastProtocol
import Foundation
import Testing

/// `channelcast backup` on a running daemon, and a restore into a fresh data directory.
@Suite struct BackupTests {
  @Test func aRestoredBackupShowsTheChannelsAsTheyWereWhenItWasTaken() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let daemon = try DaemonProcess(
      in: directory, dataDirectory: directory.appendingPathComponent("data"))
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())
    let atBackup = try ObservedState.read(SampleChannels.ids, with: daemon.client())
    let backup = directory.appendingPathComponent("backup")

    let run = try await daemon.channelcast("backup", backup.path)
    #expect(run.exitStatus == 0, "\(run.standardError)")
    let report = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8))
    let files = try #require((report as? [String: Any])?["files"] as? [String])
    // A change after the backup is not in it.
    _ = try daemon.client().resultOf(
      "sendMessage", ["officialAccountID": SampleChannels.news, "payload": "after the backup"])
    try await daemon.terminate()

    let restoredData = directory.appendingPathComponent("restored-data")
    try FileManager.default.createDirectory(at: restoredData, withIntermediateDirectories: false)
    for file in files {
      try FileManager.default.copyItem(
        at: backup.appendingPathComponent(file), to: restoredData.appendingPathComponent(file))
    }
    let restored = try DaemonProcess(in: directory, name: "restored", dataDirectory: restoredData)
    defer { restored.stop() }
    try await restored.waitUntilServing()

    #expect(try ObservedState.read(SampleChannels.ids, with: restored.client()) == atBackup)
  }

  @Test func aBackupIntoADirectoryThatIsNotEmptyIsRefused() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    let backup = daemon.directory.appendingPathComponent("backup")
    try FileManager.default.createDirectory(at: backup, withIntermediateDirectories: false)
    try Data("keep me".utf8).write(to: backup.appendingPathComponent("notes.txt"))

    let run = try await daemon.channelcast("backup", backup.path)

    #expect(run.exitStatus == 1)
    #expect(run.standardError.contains("not empty"))
    #expect(
      try String(contentsOf: backup.appendingPathComponent("notes.txt"), encoding: .utf8)
        == "keep me")
  }
}
