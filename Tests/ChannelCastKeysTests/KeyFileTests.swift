import ChannelCastKeys
import Foundation
import Testing
import ZeroMQ

@Suite("Key files")
struct KeyFileTests {
  @Test func aWrittenKeyPairLoadsBackUnchanged() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let keys = try CurveKeyPair.generate()

    let written = try keys.write(name: scratch.file("server"), overwrite: false)

    #expect(written.keyFile == scratch.file("server.key"))
    #expect(written.publicFile == scratch.file("server.pub"))
    #expect(try CurveKeyPair.load(keyFile: written.keyFile) == keys)
  }

  @Test func theKeyFileIsTOMLForItsOwnerOnlyAndThePublicFileOneLine() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let keys = try CurveKeyPair.generate()

    let written = try keys.write(name: scratch.file("client"), overwrite: false)

    #expect(try scratch.permissions(of: written.keyFile) == 0o600)
    #expect(try scratch.permissions(of: written.publicFile) == 0o644)
    let keyFile = try String(contentsOfFile: written.keyFile, encoding: .utf8)
    #expect(keyFile.contains("publicKey = \"\(keys.publicKey)\"\n"))
    #expect(keyFile.contains("secretKey = \"\(keys.secretKey)\"\n"))
    #expect(
      try String(contentsOfFile: written.publicFile, encoding: .utf8) == keys.publicKey + "\n")
    // Written through temporary files that are renamed or linked into place; none remain.
    #expect(try scratch.names() == ["client.key", "client.pub"])
  }

  @Test func anExistingKeyFileIsNotOverwritten() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let first = try CurveKeyPair.generate()
    let written = try first.write(name: scratch.file("server"), overwrite: false)

    let error = #expect(throws: KeyFileError.self) {
      try CurveKeyPair.generate().write(name: scratch.file("server"), overwrite: false)
    }

    #expect(error?.source == written.keyFile)
    #expect(error?.reason == .alreadyExists)
    #expect(error?.description == "\(written.keyFile): already exists")
    #expect(try CurveKeyPair.load(keyFile: written.keyFile) == first)
  }

  @Test func anExistingPublicFileAloneStopsTheWriteBeforeTheKeyFile() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let publicFile = try scratch.write("kept\n", to: "server.pub", permissions: 0o644)

    let error = #expect(throws: KeyFileError.self) {
      try CurveKeyPair.generate().write(name: scratch.file("server"), overwrite: false)
    }

    #expect(error?.source == publicFile)
    #expect(error?.reason == .alreadyExists)
    #expect(try scratch.names() == ["server.pub"])
  }

  @Test func overwritingReplacesBothFiles() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    _ = try CurveKeyPair.generate().write(name: scratch.file("server"), overwrite: false)
    let second = try CurveKeyPair.generate()

    let written = try second.write(name: scratch.file("server"), overwrite: true)

    #expect(try CurveKeyPair.load(keyFile: written.keyFile) == second)
    #expect(
      try String(contentsOfFile: written.publicFile, encoding: .utf8) == second.publicKey + "\n")
    #expect(try scratch.permissions(of: written.keyFile) == 0o600)
    #expect(try scratch.names() == ["server.key", "server.pub"])
  }

  @Test func writingIntoAMissingDirectoryNamesTheFile() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let name = scratch.file("missing/server")

    let error = #expect(throws: KeyFileError.self) {
      try CurveKeyPair.generate().write(name: name, overwrite: false)
    }

    #expect(error?.source == name + ".key")
    #expect(error?.reason == .unwritable(operation: "create", errno: ENOENT))
  }
}

@Suite("Loading a key file")
struct KeyFileLoadingTests {
  @Test func aMissingFileIsUnreadable() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = scratch.file("absent.key")

    let error = try loadError(path)

    #expect(error.reason == .unreadable(errno: ENOENT))
    #expect(error.description == "\(path): cannot read it: No such file or directory")
  }

  @Test(arguments: [0o644, 0o640, 0o604, 0o660])
  func aKeyFileOthersMayReadIsRefused(permissions: Int) throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write(try keyFileText(), to: "open.key", permissions: permissions)

    let error = try loadError(path)

    #expect(error.reason == .accessibleByOthers(permissions: UInt32(permissions)))
    #expect(error.description.contains("chmod 600 \(path)"))
    #expect(error.description.contains(String(permissions, radix: 8)))
  }

  @Test func aReadOnlyKeyFileIsAccepted() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write(try keyFileText(), to: "read-only.key", permissions: 0o400)

    #expect(throws: Never.self) { try CurveKeyPair.load(keyFile: path) }
  }

  @Test func textThatIsNotTOMLIsRefused() throws {
    let error = try loadError(writing: "publicKey = \n")

    guard case .notTOML(let message) = error.reason else {
      Issue.record("expected notTOML, got \(error.reason)")
      return
    }
    #expect(message.contains("line 1"))
    #expect(error.description.contains("not valid TOML"))
  }

  @Test(arguments: ["publicKey", "secretKey"])
  func aMissingKeyIsNamed(name: String) throws {
    let keys = try CurveKeyPair.generate()
    let line =
      name == "publicKey"
      ? "secretKey = \"\(keys.secretKey)\"\n" : "publicKey = \"\(keys.publicKey)\"\n"

    let error = try loadError(writing: line)

    #expect(error.reason == .missingKey(name))
  }

  @Test func anUnknownKeyIsNamed() throws {
    let error = try loadError(writing: try keyFileText() + "serverKey = \"x\"\n")

    #expect(error.reason == .unknownKey("serverKey"))
  }

  @Test func aKeyThatIsNotAStringIsRefused() throws {
    let keys = try CurveKeyPair.generate()

    let error = try loadError(writing: "publicKey = 5\nsecretKey = \"\(keys.secretKey)\"\n")

    #expect(error.reason == .notAString(key: "publicKey"))
  }

  @Test func aKeyOfTheWrongLengthIsRefused() throws {
    let keys = try CurveKeyPair.generate()

    let error = try loadError(
      writing: try keyFileText(publicKey: String(keys.publicKey.dropLast()), keys: keys))

    #expect(error.reason == .wrongLength(key: "publicKey", characters: 39))
  }

  @Test func aKeyThatIsNotZ85IsRefused() throws {
    let keys = try CurveKeyPair.generate()
    let secretKey = String(keys.secretKey.dropLast()) + " "

    let error = try loadError(
      writing: "publicKey = \"\(keys.publicKey)\"\nsecretKey = \"\(secretKey)\"\n")

    #expect(error.reason == .notZ85(key: "secretKey"))
  }

  @Test func aPublicKeyFromAnotherPairIsRefused() throws {
    let other = try CurveKeyPair.generate()

    let error = try loadError(writing: try keyFileText(publicKey: other.publicKey))

    #expect(error.reason == .keysDoNotMatch)
    #expect(error.description.contains("publicKey is not the public key of secretKey"))
  }

  /// A key file's text for a new pair, with its public key replaced when `publicKey` is given.
  private func keyFileText(publicKey: String? = nil, keys: CurveKeyPair? = nil) throws -> String {
    let keys = try keys ?? CurveKeyPair.generate()
    return "publicKey = \"\(publicKey ?? keys.publicKey)\"\nsecretKey = \"\(keys.secretKey)\"\n"
  }

  /// The error loading a key file of `text` (mode 0600) throws, which must name the file.
  private func loadError(writing text: String) throws -> KeyFileError {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write(text, to: "test.key")
    let error = try loadError(path)
    #expect(error.description.hasPrefix("\(path): "))
    return error
  }

  private func loadError(_ path: String) throws -> KeyFileError {
    try #require(throws: KeyFileError.self) { try CurveKeyPair.load(keyFile: path) }
  }
}
