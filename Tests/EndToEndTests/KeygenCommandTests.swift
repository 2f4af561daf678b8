import ChannelCastProtocol
import Foundation
import Testing

/// The built `channelcast keygen`, run as a user runs it: the files it writes, what it refuses
/// to overwrite, and its keys given to a request subcommand.
@Suite struct KeygenCommandTests {
  @Test func keygenWritesAKeyFileForItsOwnerAndAPublicFile() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let name = directory.appendingPathComponent("server").path

    let keygen = try await channelcast(["keygen", "--out", name], capturingIn: directory)

    #expect(keygen.exitStatus == 0, "\(keygen.standardError)")
    let output = try JSONSerialization.jsonObject(with: Data(keygen.standardOutput.utf8))
    let printed = try #require(output as? [String: String], "\(keygen.standardOutput)")
    #expect(printed["keyFile"] == name + ".key")
    #expect(printed["publicFile"] == name + ".pub")
    let publicKey = try #require(printed["publicKey"])
    #expect(publicKey.count == 40)
    #expect(try permissions(name + ".key") == 0o600)
    #expect(try permissions(name + ".pub") == 0o644)
    #expect(try String(contentsOfFile: name + ".pub", encoding: .utf8) == publicKey + "\n")
    let keyFile = try String(contentsOfFile: name + ".key", encoding: .utf8)
    #expect(keyFile.contains("publicKey = \"\(publicKey)\"\n"))
    #expect(keyFile.contains("secretKey = \""))
  }

  @Test func aSecondKeygenWithoutForceFailsAndKeepsTheFirstKeys() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let name = directory.appendingPathComponent("client").path
    let first = try await channelcast(["keygen", "--out", name], capturingIn: directory)
    try #require(first.exitStatus == 0, "\(first.standardError)")
    let firstKeyFile = try String(contentsOfFile: name + ".key", encoding: .utf8)

    let second = try await channelcast(["keygen", "--out", name], capturingIn: directory)

    #expect(second.exitStatus == 1)
    #expect(second.standardOutput.isEmpty)
    #expect(
      second.standardError
        == "channelcast: \(name).key: already exists; give --force to replace it\n")
    #expect(try String(contentsOfFile: name + ".key", encoding: .utf8) == firstKeyFile)

    let forced = try await channelcast(
      ["keygen", "--out", name, "--force"], capturingIn: directory)

    #expect(forced.exitStatus == 0, "\(forced.standardError)")
    #expect(try String(contentsOfFile: name + ".key", encoding: .utf8) != firstKeyFile)
    #expect(try permissions(name + ".key") == 0o600)
  }

  @Test func aNameWithTheKeySuffixIsAUsageError() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }
    let name = directory.appendingPathComponent("server.key").path

    let keygen = try await channelcast(["keygen", "--out", name], capturingIn: directory)

    #expect(keygen.exitStatus == 64)
    #expect(keygen.standardError.contains("--out is the name without .key"))
    #expect(!FileManager.default.fileExists(atPath: name))
  }

  @Test func keysFromKeygenMeetADaemonWithoutCurveAsAFailedHandshake() async throws {
    let daemon = try DaemonProcess()
    defer { daemon.stop() }
    let server = daemon.directory.appendingPathComponent("server").path
    let client = daemon.directory.appendingPathComponent("client").path
    for name in [server, client] {
      let keygen = try await channelcast(["keygen", "--out", name], capturingIn: daemon.directory)
      try #require(keygen.exitStatus == 0, "\(keygen.standardError)")
    }

    let ping = try await daemon.channelcast(
      "ping", "--server-key", server + ".pub", "--key-file", client + ".key")

    #expect(ping.exitStatus == 2)
    #expect(ping.standardError.contains("the CURVE handshake with the daemon failed"))
  }

  @Test func serverKeyWithoutKeyFileIsAUsageError() async throws {
    let directory = try TemporaryDirectory.create()
    defer { try? FileManager.default.removeItem(at: directory) }

    let ping = try await channelcast(
      ["ping", "--server-key", String(repeating: "0", count: 40)], capturingIn: directory)

    #expect(ping.exitStatus == 64)
    #expect(ping.standardError.contains("give --server-key and --key-file together"))
  }

  /// Runs the built `channelcast` with `arguments` and waits for it to finish.
  private func channelcast(_ arguments: [String], capturingIn directory: URL) async throws
    -> ChildProcess
  {
    let child = try ChildProcess(
      try BuiltProducts.executable(named: "channelcast"), arguments, capturingIn: directory)
    try #require(await child.waitForExit(), "channelcast \(arguments) did not finish")
    return child
  }

  private func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
  }
}
