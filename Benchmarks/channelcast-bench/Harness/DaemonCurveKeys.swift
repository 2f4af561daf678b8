import ChannelCastClient
import ChannelCastKeys
import Foundation

/// The CURVE keys of a daemon the harness starts with `--curve`: the daemon's key pair, and one
/// client key pair that the harness's command clients and consumers all use. The clients file
/// makes that client an admin, the one role that may both call every operation and read the
/// delivery socket.
struct DaemonCurveKeys {
  let server: CurveKeyPair
  let client: CurveKeyPair

  static func generate() throws -> DaemonCurveKeys {
    DaemonCurveKeys(server: try CurveKeyPair.generate(), client: try CurveKeyPair.generate())
  }

  /// What the harness's sockets need to talk to the daemon.
  var clientCredentials: CurveClientCredentials {
    CurveClientCredentials(serverPublicKey: server.publicKey, keys: client)
  }

  /// The daemon's flags that name the files `write(into:)` makes in `folder`.
  static func daemonArguments(folder: URL) -> [String] {
    [
      "--server-key-file", keyFileName(folder: folder) + ".key",
      "--clients-file", clientsFile(folder: folder).path,
    ]
  }

  /// Writes the daemon's key file as `channelcast keygen` does (`server.key`, mode 0600, and
  /// `server.pub`) and the clients file (`clients.toml`) into `folder`.
  func write(into folder: URL) throws {
    _ = try server.write(name: Self.keyFileName(folder: folder), overwrite: false)
    // Z85 has neither quotes nor backslashes: a key is a TOML string as it is.
    let clients = """
      [[client]]
      name = "channelcast-bench"
      publicKey = "\(client.publicKey)"
      role = "admin"

      """
    try clients.write(to: Self.clientsFile(folder: folder), atomically: true, encoding: .utf8)
  }

  /// The key files' path without `.key` or `.pub`, as `CurveKeyPair.write(name:)` takes it.
  private static func keyFileName(folder: URL) -> String {
    folder.appendingPathComponent("server").path
  }

  private static func clientsFile(folder: URL) -> URL {
    folder.appendingPathComponent("clients.toml")
  }
}
