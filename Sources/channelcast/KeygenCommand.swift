import ArgumentParser
import ChannelCastKeys
import ChannelCastProtocol

/// `channelcast keygen`: makes a CURVE key pair in a `.key` and a `.pub` file.
struct KeygenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keygen",
    abstract: "Make a CURVE key pair for channelcastd or a client: NAME.key and NAME.pub.",
    discussion: """
      Writes NAME.key, a TOML file with publicKey and secretKey (mode 0600: the secret key \
      must stay secret), and NAME.pub, the public key alone on one line, which is safe to \
      hand out. Prints {"keyFile", "publicFile", "publicKey"}. Talks to no daemon.

      For the daemon, set serverKeyFile to NAME.key and give NAME.pub to its clients, who pass \
      it to --server-key. For a client, pass NAME.key to --key-file and add the public key to \
      the daemon's clientsFile.

      An existing NAME.key or NAME.pub is left alone and nothing is written (exit status 1) \
      unless --force is given. Each file is written whole under a temporary name and then \
      moved into place, so no program ever reads half a key, and NAME.key is never readable \
      by others.

      EXAMPLES
        channelcast keygen --out /etc/channelcast/server
        channelcast keygen --out editor
        channelcast ping --server-key /etc/channelcast/server.pub \\
          --key-file editor.key
      """)

  @Option(
    help: ArgumentHelp(
      "Where to write the key pair: NAME.key and NAME.pub, in an existing directory.",
      valueName: "name"),
    completion: .file())
  var out: String

  @Flag(help: "Replace NAME.key and NAME.pub if they exist.")
  var force = false

  func validate() throws {
    for suffix in [".key", ".pub"] where out.hasSuffix(suffix) {
      throw ValidationError(
        "--out is the name without \(suffix): keygen writes \(out.dropLast(4)).key and "
          + "\(out.dropLast(4)).pub")
    }
  }

  func run() throws {
    let written: (keyFile: String, publicFile: String)
    let keys: CurveKeyPair
    do {
      keys = try CurveKeyPair.generate()
      written = try keys.write(name: out, overwrite: force)
    } catch let error as KeyFileError where error.reason == .alreadyExists {
      StandardStreams.printError("\(error); give --force to replace it")
      throw ExitCode.failure
    } catch {
      StandardStreams.printError("\(error)")
      throw ExitCode.failure
    }
    var line = JSONObjectWriter()
    line.add("keyFile", written.keyFile)
    line.add("publicFile", written.publicFile)
    line.add("publicKey", keys.publicKey)
    StandardStreams.printLine(line.finished())
  }
}
