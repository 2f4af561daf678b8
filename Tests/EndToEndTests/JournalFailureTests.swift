import ChannelCastClient
import Foundation
import Testing

/// A journal that cannot be written stops `channelcastd` with exit status 1, and what it could
/// not journal is neither acknowledged nor kept. The write fails here because the daemon runs
/// under a file size limit (`ulimit -f`, with SIGXFSZ ignored, so that write(2) fails with
/// EFBIG instead of the signal killing the process).
@Suite struct JournalFailureTests {
  static let channel = "@TOA#_full"

  @Test func aJournalThatCannotBeWrittenStopsTheDaemonWithStatusOneWithoutReplying()
    async throws
  {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = directory.appendingPathComponent("data")
    let arguments = [
      "--command-endpoint", "ipc://\(directory.path)/command",
      "--delivery-endpoint", "ipc://\(directory.path)/delivery",
      "--gateway-endpoint", "ipc://\(directory.path)/gateway", "--shards", "2",
      "--data-directory", data.path, "--metrics-address", "127.0.0.1:0", "--fsync", "always",
      "--snapshot-journal-bytes", "1099511627776", "--snapshot-interval-seconds", "0",
    ]
    let server = try BuiltProducts.executable(named: "channelcastd")
    // 64 blocks of 512 bytes: room for some 30 messages of a kilobyte each.
    let limited = try ChildProcess(
      URL(fileURLWithPath: "/bin/sh"),
      ["-c", #"trap '' XFSZ; ulimit -f 64; exec "$0" "$@""#, server.path] + arguments,
      capturingIn: directory)
    defer { limited.stop() }
    let endpoint = "ipc://\(directory.path)/command"
    try await Self.waitUntilServing(endpoint, limited)
    let client = try ChannelCastClient(
      endpoint: endpoint, context: .endToEndTests, timeoutMilliseconds: 3000)
    _ = try client.resultOf(
      "createOfficialAccount",
      ["officialAccountID": Self.channel, "ownerUserID": "o", "officialAccountName": "Full"])

    var acknowledged = 0
    var unanswered = false
    for number in 0..<200 {
      let payload = "\(number) " + String(repeating: "x", count: 1000)
      guard
        let reply = try? client.callJSON(
          "sendMessage", ["officialAccountID": Self.channel, "payload": payload])
      else {
        unanswered = true
        break
      }
      #expect(reply.ok, "\(reply.errorCode ?? "") \(reply.errorMessage ?? "")")
      acknowledged += 1
    }

    #expect(unanswered, "every message was acknowledged")
    try #require(await limited.waitForExit(), "channelcastd went on without its journal")
    #expect(limited.exitedNormally && limited.exitStatus == 1, "\(limited.standardError)")
    #expect(limited.standardError.contains("cannot write the journal"))

    // Started again without the limit, it has every acknowledged message and nothing more.
    let restarted = try ChildProcess(server, arguments, capturingIn: directory)
    defer { restarted.stop() }
    try await Self.waitUntilServing(endpoint, restarted)
    let again = try ChannelCastClient(
      endpoint: endpoint, context: .endToEndTests, timeoutMilliseconds: 10_000)
    let channel = try again.resultOf(
      "getOfficialAccountsInfo", ["officialAccountIDList": [Self.channel]])
    let result = (channel["results"] as? [[String: Any]])?.first
    let info = result?["officialAccountInfo"] as? [String: Any]
    #expect(info?["lastSeq"] as? Int == acknowledged, "\(channel)")
  }

  private static func waitUntilServing(_ endpoint: String, _ process: ChildProcess)
    async throws
  {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
      try #require(process.isRunning, "channelcastd exited: \(process.standardError)")
      // A fresh client per try: a request that timed out stays queued in its socket.
      let client = try ChannelCastClient(
        endpoint: endpoint, context: .endToEndTests, timeoutMilliseconds: 100)
      if (try? client.callJSON("ping").ok) == true { return }
    }
    Issue.record("channelcastd did not answer ping: \(process.standardError)")
  }
}
