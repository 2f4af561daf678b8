import ChannelCastCore
import ChannelCastKeys
import Testing

@testable import ChannelCastServer

@Suite struct ClientsFileTests {
  private let admin = try! CurveKeyPair.generate().publicKey
  private let publisher = try! CurveKeyPair.generate().publicKey
  private let gateway = try! CurveKeyPair.generate().publicKey

  private func parse(_ text: String) throws(ConfigurationError) -> [AuthorizedClient] {
    try ClientsFile.parse(text, source: "clients.toml")
  }

  /// The reason a file is refused, "" when it is accepted.
  private func refusal(_ text: String) -> String {
    do {
      _ = try parse(text)
      return ""
    } catch {
      return error.description
    }
  }

  @Test func readsEveryRole() throws {
    let clients = try parse(
      """
      [[client]]
      publicKey = "\(admin)"
      role = "admin"

      [[client]]
      name = "news-service"
      publicKey = "\(publisher)"
      role = "publisher"
      officialAccounts = ["@TOA#_news", "@TOA#_shop*"]

      [[client]]
      publicKey = "\(gateway)"
      role = "gateway"
      """)
    #expect(clients.map(\.role.description) == ["admin", "publisher", "gateway"])
    #expect(clients[1].name == "news-service")
    #expect(clients[0].name.hasPrefix("key \(admin.prefix(8))"))
    guard case .publisher(let patterns) = clients[1].role else {
      Issue.record("not a publisher")
      return
    }
    #expect(patterns.map(\.description) == ["@TOA#_news", "@TOA#_shop*"])
    #expect(try parse("").isEmpty)
  }

  @Test func refusesMistakesNamingTheEntry() {
    let key = admin
    let cases: [(String, String)] = [
      (
        "[[client]]\npublicKey = \"\(key)\"\nrole = \"root\"",
        "role must be admin, publisher or gateway, not \"root\""
      ),
      ("[[client]]\npublicKey = \"\(key)\"", "(it is missing)"),
      ("[[client]]\nrole = \"admin\"", "publicKey"),
      ("[[client]]\npublicKey = \"short\"\nrole = \"admin\"", "#1"),
      ("[[client]]\npublicKey = \"\(key)\"\nrole = \"admin\"\nkey = 1", "unknown field \"key\""),
      ("[[client]]\npublicKey = \"\(key)\"\nrole = \"publisher\"", "needs officialAccounts"),
      (
        "[[client]]\npublicKey = \"\(key)\"\nrole = \"gateway\"\nofficialAccounts = [\"@TOA#_a\"]",
        "publishers only"
      ),
      (
        "[[client]]\npublicKey = \"\(key)\"\nrole = \"publisher\"\nofficialAccounts = [\"news\"]",
        "officialAccounts"
      ),
      (
        "[[client]]\npublicKey = \"\(key)\"\nrole = \"publisher\"\nofficialAccounts = \"@TOA#_a\"",
        "array of strings"
      ),
      (
        "[[client]]\npublicKey = \"\(key)\"\nrole = \"admin\"\n[[client]]\npublicKey = \"\(key)\"\nrole = \"gateway\"",
        "[[client]] #2 repeats the publicKey of [[client]] #1"
      ),
      ("clients = 1", "unknown key \"clients\""),
      ("client = 1", "array of tables"),
      ("[[client]\n", "not valid TOML"),
    ]
    for (text, expected) in cases {
      let reason = refusal(text)
      #expect(reason.hasPrefix("clients.toml: "), "\(text)")
      #expect(reason.contains(expected), "\(text) → \(reason)")
    }
  }

  @Test func aMissingFileIsAnError() {
    #expect(throws: ConfigurationError.self) {
      try ClientsFile.load(path: "/nonexistent/clients.toml")
    }
  }
}
