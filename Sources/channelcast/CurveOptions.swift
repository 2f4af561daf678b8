import ArgumentParser
import ChannelCastClient
import ChannelCastKeys

/// The keys for a daemon that requires CURVE (one with a serverKeyFile): the daemon's public
/// key and this client's key pair, shared by every subcommand that talks to the daemon.
struct CurveOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The daemon's CURVE public key: the key itself, its .pub file or its .key file.",
      valueName: "key-or-file"),
    completion: .file())
  var serverKey: String?

  @Option(
    help: ArgumentHelp(
      "This client's CURVE key file (mode 0600), made by channelcast keygen.",
      valueName: "file"),
    completion: .file(extensions: ["key"]))
  var keyFile: String?

  func validate() throws {
    guard (serverKey == nil) == (keyFile == nil) else {
      throw ValidationError(
        "give --server-key and --key-file together: a CURVE client needs the daemon's public "
          + "key and its own key file")
    }
  }

  /// The credentials the options name, or nil when they are not given. A key that cannot be
  /// used is reported on stderr and ends the command with the usage-error status, before
  /// anything is sent.
  func credentials() throws -> CurveClientCredentials? {
    guard let serverKey, let keyFile else { return nil }
    let serverPublicKey: String
    let keys: CurveKeyPair
    do {
      serverPublicKey = try CurvePublicKey.resolve(argument: serverKey)
    } catch {
      StandardStreams.printError("--server-key: \(error)")
      throw ExitCode.validationFailure
    }
    do {
      keys = try CurveKeyPair.load(keyFile: keyFile)
    } catch {
      StandardStreams.printError("--key-file: \(error)")
      throw ExitCode.validationFailure
    }
    return CurveClientCredentials(serverPublicKey: serverPublicKey, keys: keys)
  }
}
