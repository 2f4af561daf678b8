import ChannelCastProtocol

/// Channels that come and go: a fixed pool of IDs, each created, given subscribers, messages and
/// info changes, then deleted, over and over (so the IDs the daemon remembers stay the same).
///
/// Only this stream creates and deletes them, so it knows whether each exists and predicts
/// `ok`; the others send to and read them and get `ok` or `not_found`.
struct StressChannelChurn: StressTraffic {
  private static let owner = "bench-churn-owner"
  private static let maxSubscriberCount = 1000

  private let population: StressPopulation
  private var generator: SeededGenerator
  private var exists: [Bool]
  private var infoRevisions = 0

  init(population: StressPopulation, seed: UInt64) {
    self.population = population
    generator = SeededGenerator(seed: seed)
    exists = Array(repeating: false, count: population.churnedChannelIDs.count)
  }

  mutating func nextRequest(number: Int) -> StressRequest {
    let slot = Int.random(in: 0..<exists.count, using: &generator)
    let channel = population.churnedChannelIDs[slot]
    guard exists[slot] else {
      exists[slot] = true
      return create(channel, number: number)
    }
    switch Int.random(in: 0..<100, using: &generator) {
    case ..<35: return subscribeSome(to: channel, number: number)
    case ..<50:
      let user = population.randomUser(using: &generator)
      // Whether the user is subscribed is not tracked here.
      return .good(
        "unsubscribeOfficialAccount (churned channel)", op: "unsubscribeOfficialAccount",
        id: number, expecting: ["ok", "not_found"]
      ) {
        $0.add("officialAccountID", channel)
        $0.add("userID", user)
      }
    case ..<70:
      let payload = StressPayload.make(number: number, using: &generator)
      var request = StressRequest.good(
        "sendMessage (churned channel, its creator)", op: "sendMessage", id: number
      ) {
        $0.add("officialAccountID", channel)
        $0.add("payload", rawJSON: payload)
      }
      request.announcement = .messages
      return request
    case ..<82:
      infoRevisions += 1
      return .good("setOfficialAccountInfo", op: "setOfficialAccountInfo", id: number) {
        [infoRevisions] in
        $0.add("officialAccountID", channel)
        $0.add("introduction", "revision \(infoRevisions)")
      }
    case ..<87:
      let user = population.randomUser(using: &generator)
      var request = StressRequest.good(
        "sendMessageToOfficialAccount (churned channel)", op: "sendMessageToOfficialAccount",
        id: number, expecting: ["ok", "permission_denied"]
      ) {
        $0.add("officialAccountID", channel)
        $0.add("userID", user)
        $0.add("payload", rawJSON: Array("\"hello\"".utf8))
      }
      request.announcement = .subscriberMessage
      return request
    default:
      exists[slot] = false
      return .good("deleteOfficialAccount", op: "deleteOfficialAccount", id: number) {
        $0.add("officialAccountID", channel)
      }
    }
  }

  private mutating func create(_ channel: String, number: Int) -> StressRequest {
    let withDetails = Bool.random(using: &generator)
    return .good("createOfficialAccount", op: "createOfficialAccount", id: number) {
      $0.add("officialAccountID", channel)
      $0.add("ownerUserID", Self.owner)
      $0.add("officialAccountName", "Churned \(number)")
      $0.add("maxSubscriberCount", Self.maxSubscriberCount)
      if withDetails {
        $0.add("faceUrl", "https://example.com/\(number).png")
        $0.add("introduction", "created by the stress scenario")
        $0.add("customData", String(repeating: "c", count: number % 200))
      }
    }
  }

  /// A batch of population users: `ok`, with a result per user (`limit_exceeded` for those
  /// past the channel's maximum).
  private mutating func subscribeSome(to channel: String, number: Int) -> StressRequest {
    var users = JSONArrayWriter()
    for _ in 0..<Int.random(in: 1...50, using: &generator) {
      users.append(population.randomUser(using: &generator))
    }
    return .good(
      "subscribeOfficialAccount (churned channel, batch)", op: "subscribeOfficialAccount",
      id: number
    ) {
      $0.add("officialAccountID", channel)
      $0.add("userIDList", array: users)
    }
  }
}
