import Foundation
import Testing

/// The cluster-mode settings as an operator meets them: in `channelcastd --help`, and a daemon
/// that refuses to start with settings a cluster node could not run with.
@Suite struct ClusterSettingsCommandLineTests {
  @Test func theHelpListsTheClusterSettings() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let help = try ChildProcess(
      BuiltProducts.executable(named: "channelcastd"), ["--help"], capturingIn: directory)
    defer { help.stop() }
    try #require(await help.waitForExit(), "channelcastd --help did not finish")

    #expect(help.exitStatus == 0, "\(help.standardError)")
    #expect(help.standardOutput.contains("--cluster-nats-urls <clusterNatsURLs>"))
    #expect(help.standardOutput.contains("--cluster-node-name <clusterNodeName>"))
  }

  @Test func clusterModeWithoutANodeNameStopsTheStartNamingTheKey() async throws {
    let daemon = try DaemonProcess(arguments: ["--cluster-nats-urls", "nats://127.0.0.1:4222"])
    defer { daemon.stop() }

    let process = daemon.process
    try #require(await process.waitForExit(), "channelcastd started without clusterNodeName")
    #expect(process.exitStatus == 1)
    #expect(process.standardError.contains("cannot start: clusterNodeName: cluster mode"))
  }
}
