import ChannelCastKeys
import Testing

@Suite("Public keys given as text or files")
struct PublicKeyArgumentTests {
  @Test func aKeyGivenAsTextIsItself() throws {
    let key = try CurveKeyPair.generate().publicKey

    #expect(try CurvePublicKey.resolve(argument: key) == key)
    #expect(try CurvePublicKey.parse(key, source: "--server-key") == key)
  }

  @Test func aPublicFileGivesItsLine() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let key = try CurveKeyPair.generate().publicKey
    let path = try scratch.write("  \(key)\n\n", to: "server.pub", permissions: 0o644)

    #expect(try CurvePublicKey.resolve(argument: path) == key)
  }

  /// Letters, digits, `/`, `.` and `-` are all Z85: a path of 40 such characters decodes as a
  /// key, and must still be read as the file it names.
  @Test func aPathThatIsAlsoValidZ85IsReadAsAFile() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let nameLength = 40 - scratch.path.count - 1
    try #require(nameLength > 4, "the temporary directory's path is too long for this test")
    let name = String(repeating: "k", count: nameLength - 4) + ".pub"
    let key = try CurveKeyPair.generate().publicKey
    let path = try scratch.write(key + "\n", to: name, permissions: 0o644)
    try #require(path.count == 40)

    #expect(try CurvePublicKey.resolve(argument: path) == key)
  }

  @Test func aKeyFileGivesItsPublicKey() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let keys = try CurveKeyPair.generate()
    let written = try keys.write(name: scratch.file("server"), overwrite: false)

    #expect(try CurvePublicKey.resolve(argument: written.keyFile) == keys.publicKey)
  }

  @Test func aKeyFileIsCheckedAsWhenLoaded() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let keys = try CurveKeyPair.generate()
    let path = try scratch.write(
      "publicKey = \"\(keys.publicKey)\"\nsecretKey = \"\(keys.secretKey)\"\n", to: "open.key",
      permissions: 0o644)

    let error = #expect(throws: KeyFileError.self) { try CurvePublicKey.resolve(argument: path) }

    #expect(error?.reason == .accessibleByOthers(permissions: 0o644))
  }

  @Test func anArgumentThatIsNeitherKeyNorFileIsRefused() throws {
    let error = #expect(throws: KeyFileError.self) {
      try CurvePublicKey.resolve(argument: "no-such-server.pub")
    }

    #expect(error?.reason == .neitherKeyNorFile)
    #expect(
      error?.description
        == "no-such-server.pub: neither a CURVE public key (40 characters of Z85) nor a file "
        + "that holds one")
  }

  @Test func fortyCharactersThatAreNotZ85AreAKeyWithATypo() throws {
    let key = String(try CurveKeyPair.generate().publicKey.dropLast()) + "~"

    let error = #expect(throws: KeyFileError.self) { try CurvePublicKey.resolve(argument: key) }

    #expect(error?.reason == .notZ85(key: "the public key"))
  }

  @Test func aPublicFileWithMoreThanAKeyIsRefused() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let key = try CurveKeyPair.generate().publicKey
    let path = try scratch.write("\(key)\n\(key)\n", to: "two.pub", permissions: 0o644)

    let error = #expect(throws: KeyFileError.self) { try CurvePublicKey.resolve(argument: path) }

    #expect(error?.source == path)
    #expect(error?.reason == .wrongLength(key: "the public key", characters: 81))
  }

  @Test func parsingNamesTheSourceAndTheProblem() {
    let error = #expect(throws: KeyFileError.self) {
      try CurvePublicKey.parse("short", source: "clients.toml, client editor")
    }

    #expect(
      error?.description
        == "clients.toml, client editor: the public key is 5 characters; a CURVE key is 40 "
        + "characters of Z85")
  }
}
