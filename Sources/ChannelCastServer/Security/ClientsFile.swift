import ChannelCastCore
import ChannelCastKeys
import Foundation
import TOMLKit

/// The clients file (`clientsFile`): the keys that may connect once CURVE is on, each with its
/// role. A TOML array of tables:
///
/// ```toml
/// [[client]]
/// name = "news-service"          # optional, for logs
/// publicKey = "<40 characters of Z85>"
/// role = "publisher"             # admin, publisher or gateway
/// officialAccounts = ["@TOA#_news", "@TOA#_shop*"]   # publishers only; * ends a prefix
/// ```
///
/// Everything is checked: an unknown field, a key that is not Z85, a key listed twice, a
/// publisher without official accounts or another role with some. A file with a mistake is
/// refused whole, naming the entry and the reason.
public enum ClientsFile {
  static let fields: Set<String> = ["name", "publicKey", "role", "officialAccounts"]

  /// Reads and checks the file at `path`.
  public static func load(path: String) throws(ConfigurationError) -> [AuthorizedClient] {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw ConfigurationError(key: "clientsFile", reason: "cannot read \(path): \(error)")
    }
    return try parse(text, source: path)
  }

  /// Checks a clients file's text; `source` names it in errors.
  public static func parse(_ text: String, source: String) throws(ConfigurationError)
    -> [AuthorizedClient]
  {
    func failure(_ reason: String) -> ConfigurationError {
      ConfigurationError(key: nil, reason: reason, source: source)
    }
    let table: TOMLTable
    do {
      table = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw failure("not valid TOML: \(error.description) at line \(error.source.begin.line)")
    } catch {
      throw failure("not valid TOML: \(error)")
    }
    if let unknown = table.keys.first(where: { $0 != "client" }) {
      throw failure("unknown key \"\(unknown)\"; the file holds [[client]] tables")
    }
    guard let entries = table["client"] else { return [] }
    guard let array = entries.array else {
      throw failure("client must be an array of tables: write each as [[client]]")
    }
    var clients: [AuthorizedClient] = []
    var seen: [String: Int] = [:]
    for (index, entry) in array.enumerated() {
      let position = "[[client]] #\(index + 1)"
      guard let fields = entry.table else { throw failure("\(position) is not a table") }
      let client: AuthorizedClient
      do {
        client = try self.client(fields)
      } catch {
        throw failure("\(position): \(error.reason)")
      }
      if let earlier = seen[client.publicKey] {
        throw failure("\(position) repeats the publicKey of [[client]] #\(earlier)")
      }
      seen[client.publicKey] = index + 1
      clients.append(client)
    }
    return clients
  }

  private static func client(_ fields: TOMLTable) throws(ConfigurationError) -> AuthorizedClient {
    func failure(_ reason: String) -> ConfigurationError {
      ConfigurationError(key: nil, reason: reason)
    }
    if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
      throw failure(
        "unknown field \"\(unknown)\"; known: \(Self.fields.sorted().joined(separator: ", "))")
    }
    guard let keyText = fields["publicKey"]?.string else {
      throw failure("publicKey (a string of 40 Z85 characters) is required")
    }
    let publicKey: String
    do {
      publicKey = try CurvePublicKey.parse(keyText, source: "publicKey")
    } catch {
      throw failure("\(error)")
    }
    if let name = fields["name"], name.string == nil { throw failure("name must be a string") }
    let accounts = try officialAccounts(fields["officialAccounts"])
    let role: Role
    switch fields["role"]?.string {
    case "admin": role = .admin
    case "gateway": role = .gateway
    case "publisher":
      guard let accounts, !accounts.isEmpty else {
        throw failure("a publisher needs officialAccounts, such as [\"@TOA#_news\"]")
      }
      role = .publisher(accounts)
    case let other:
      throw failure(
        "role must be admin, publisher or gateway"
          + (other.map { ", not \"\($0)\"" } ?? " (it is missing)"))
    }
    if accounts != nil, role != .publisher(accounts ?? []) {
      throw failure("officialAccounts applies to publishers only; this client is \(role)")
    }
    return AuthorizedClient(publicKey: publicKey, role: role, name: fields["name"]?.string)
  }

  private static func officialAccounts(_ value: TOMLValueConvertible?)
    throws(ConfigurationError) -> [OfficialAccountPattern]?
  {
    guard let value else { return nil }
    guard let array = value.array else {
      throw ConfigurationError(key: nil, reason: "officialAccounts must be an array of strings")
    }
    var patterns: [OfficialAccountPattern] = []
    for element in array {
      guard let text = element.string else {
        throw ConfigurationError(key: nil, reason: "officialAccounts must be an array of strings")
      }
      do {
        patterns.append(try OfficialAccountPattern(text))
      } catch {
        throw ConfigurationError(key: nil, reason: "officialAccounts: \(error.message)")
      }
    }
    return patterns
  }
}
