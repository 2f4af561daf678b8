import Foundation
import Testing

/// `channelcastd` stopped with SIGTERM and started again on the same data directory.
@Suite struct CleanStopTests {
  @Test func aCleanStopExitsZeroAndLeavesASnapshot() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())

    try await daemon.terminate()

    let files = try FileManager.default.contentsOfDirectory(atPath: daemon.dataDirectory.path)
    #expect(files.contains { $0.hasPrefix("snapshot-") && $0.hasSuffix(".ccs") }, "\(files)")
  }

  @Test func aRestartAfterACleanStopShowsTheSameChannels() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())
    let before = try ObservedState.read(SampleChannels.ids, with: daemon.client())

    try await daemon.terminate()
    try daemon.restart()
    try await daemon.waitUntilServing()

    let after = try ObservedState.read(SampleChannels.ids, with: daemon.client())
    #expect(after == before)
    #expect(after.channels.count == 2)
  }

  @Test func aMessageAfterARestartContinuesItsChannelsSeq() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())
    let before = try ObservedState.read(SampleChannels.ids, with: daemon.client())

    try await daemon.terminate()
    try daemon.restart()
    try await daemon.waitUntilServing()

    let client = try daemon.client()
    for id in [SampleChannels.news, SampleChannels.sport] {
      let sent = try client.resultOf("sendMessage", ["officialAccountID": id, "payload": "next"])
      #expect(sent["seq"] as? Int == before.channels[id]!.lastSeq + 1, "\(id)")
    }
  }

  @Test func aChannelCreatedAgainAfterARestartContinuesTheDeletedChannelsSeq() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())

    try await daemon.terminate()
    try daemon.restart()
    try await daemon.waitUntilServing()

    let created = try daemon.client().resultOf(
      "createOfficialAccount",
      [
        "officialAccountID": SampleChannels.deleted, "ownerUserID": "editor",
        "officialAccountName": "Back",
      ])
    #expect(created["lastSeq"] as? Int == SampleChannels.deletedLastSeq)
  }

  @Test func aRetryAfterARestartGetsTheFirstReplyAndBroadcastsNothing() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    try await daemon.waitUntilServing()
    try SampleChannels.populate(with: daemon.client())
    let history = try ObservedState.read([SampleChannels.news], with: daemon.client())
    let first = try #require(history.channels[SampleChannels.news]?.history.first)

    try await daemon.terminate()
    try daemon.restart()
    try await daemon.waitUntilServing()

    let client = try daemon.client()
    let retry = try client.resultOf(
      "sendMessage",
      [
        "officialAccountID": SampleChannels.news, "payload": SampleChannels.retriedPayload,
        "clientMsgID": SampleChannels.retriedClientMsgID,
      ])
    guard case .message(let seq, let msgKey, let sendTimeMs, _, _) = first else {
      Issue.record("the first entry is not the message: \(first)")
      return
    }
    #expect(retry["msgKey"] as? String == msgKey)
    #expect(retry["seq"] as? Int == seq)
    #expect(retry["sendTimeMs"] as? Int == sendTimeMs)
    let after = try ObservedState.read([SampleChannels.news], with: client)
    #expect(after == history)
  }
}
