import ChannelCastProtocol

/// The readers of the stress load: `getHistory`, `getSubscribers`, `getOfficialAccountsInfo`
/// (list and paged forms), `listOfficialAccounts` and `stats`, mostly of stable channels (`ok`),
/// some of churned channels (`ok` or `not_found`, whichever the race gives), and `ping` with
/// `id`s of every JSON kind, which must come back byte for byte.
struct StressReads: StressTraffic {
  private let population: StressPopulation
  private var generator: SeededGenerator

  init(population: StressPopulation, seed: UInt64) {
    self.population = population
    generator = SeededGenerator(seed: seed)
  }

  mutating func nextRequest(number: Int) -> StressRequest {
    let roll = Int.random(in: 0..<100, using: &generator)
    let channel = population.plan.channelID(population.randomChannel(using: &generator))
    switch roll {
    case ..<25: return history(of: channel, number: number, expecting: ["ok"])
    case ..<45: return subscribers(of: channel, number: number, expecting: ["ok"])
    case ..<62: return accountsInfo(number: number)
    case ..<72: return subscribedAccounts(number: number)
    case ..<80: return listAccounts(number: number)
    case ..<90:
      let churned = population.churnedChannelIDs.randomElement(using: &generator)!
      return Bool.random(using: &generator)
        ? history(of: churned, number: number, expecting: ["ok", "not_found"])
        : subscribers(of: churned, number: number, expecting: ["ok", "not_found"])
    case ..<93: return .good("stats", op: "stats", id: number)
    default: return pingWithUnusualID(number: number)
    }
  }

  private mutating func history(of channel: String, number: Int, expecting codes: Set<String>)
    -> StressRequest
  {
    let afterSeq = Int.random(in: 0...200, using: &generator)
    let limit = Int.random(in: 0...100, using: &generator)
    // A subscriber's view: a user of the channel's plan, who may be unsubscribed just now.
    let asUser = Int.random(in: 0..<5, using: &generator) == 0
    let user = population.randomUser(using: &generator)
    let kind = codes == ["ok"] ? "getHistory" : "getHistory (churned channel)"
    return .good(
      kind, op: "getHistory", id: number,
      expecting: asUser ? codes.union(["permission_denied"]) : codes
    ) {
      $0.add("officialAccountID", channel)
      $0.add("afterSeq", afterSeq)
      if limit > 0 { $0.add("limit", limit) }
      if asUser { $0.add("userID", user) }
    }
  }

  private mutating func subscribers(
    of channel: String, number: Int, expecting codes: Set<String>
  ) -> StressRequest {
    let limit = Int.random(in: 0...100, using: &generator)
    let cursor = Bool.random(using: &generator) ? population.randomUser(using: &generator) : nil
    let kind = codes == ["ok"] ? "getSubscribers" : "getSubscribers (churned channel)"
    return .good(kind, op: "getSubscribers", id: number, expecting: codes) {
      $0.add("officialAccountID", channel)
      if limit > 0 { $0.add("limit", limit) }
      if let cursor { $0.add("cursor", cursor) }
    }
  }

  /// The list form: stable, churned and unknown channels, each with its own result.
  private mutating func accountsInfo(number: Int) -> StressRequest {
    var ids = JSONArrayWriter()
    for _ in 0..<Int.random(in: 1...20, using: &generator) {
      switch Int.random(in: 0..<10, using: &generator) {
      case 0: ids.append(population.churnedChannelIDs.randomElement(using: &generator)!)
      case 1: ids.append(population.plan.channelPrefix + "none-\(number)")
      default: ids.append(population.plan.channelID(population.randomChannel(using: &generator)))
      }
    }
    let user = Bool.random(using: &generator) ? population.randomUser(using: &generator) : nil
    return .good("getOfficialAccountsInfo", op: "getOfficialAccountsInfo", id: number) {
      $0.add("officialAccountIDList", array: ids)
      if let user { $0.add("userID", user) }
    }
  }

  /// The paged form: the channels a user subscribes to.
  private mutating func subscribedAccounts(number: Int) -> StressRequest {
    let user = population.randomUser(using: &generator)
    let limit = Int.random(in: 1...20, using: &generator)
    return .good(
      "getOfficialAccountsInfo (paged)", op: "getOfficialAccountsInfo", id: number
    ) {
      $0.add("userID", user)
      $0.add("limit", limit)
    }
  }

  private mutating func listAccounts(number: Int) -> StressRequest {
    let cursor = population.plan.channelID(population.randomChannel(using: &generator))
    let limit = Int.random(in: 1...50, using: &generator)
    return .good("listOfficialAccounts", op: "listOfficialAccounts", id: number) {
      $0.add("cursor", cursor)
      $0.add("limit", limit)
    }
  }

  /// `ping` whose `id` is a string, a fraction, an exponent, an object or an array: the reply
  /// must repeat its bytes exactly.
  private mutating func pingWithUnusualID(number: Int) -> StressRequest {
    let id = [
      "\"ping-\(number)\"", "\(number).50", "\(number)e0", "-\(number)",
      "{\"n\": \(number)}", "[\(number), \"é\"]", "\"\\u00e9\(number)\"",
    ].randomElement(using: &generator)!
    let body = Array(#"{"op":"ping","id":\#(id)}"#.utf8)
    return StressRequest(
      kind: "ping (unusual id)", frames: [[], body], replyID: Array(id.utf8),
      expectedCodes: ["ok"])
  }
}
