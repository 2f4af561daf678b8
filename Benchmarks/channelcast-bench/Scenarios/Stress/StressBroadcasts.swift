import ChannelCastProtocol

/// The publisher of the stress load: `sendMessage` to stable channels picked uniformly, some
/// with a `clientMsgID`, some of those retried (the first reply again, nothing broadcast) or
/// reused with another payload (`duplicate`); `recallMessages` of recent messages; and sends
/// to the churned channels, which may have just been deleted (`not_found`).
struct StressBroadcasts: StressTraffic {
  /// A message this stream sent and the daemon acknowledged.
  private struct Sent {
    let channel: String
    let clientMsgID: String?
    let payload: [UInt8]
    var msgKey = ""
    var seq: Int64 = 0
    let sentAt: UInt64
  }

  /// Retries must come within the daemon's 10 minutes of remembering a `clientMsgID`; these
  /// stay well inside them.
  private static let retryWithinNanoseconds: UInt64 = 300_000_000_000
  private static let poolSize = 512

  private let population: StressPopulation
  private var generator: SeededGenerator
  /// Sends awaiting their reply, by request number.
  private var awaitingReply: [Int: Sent] = [:]
  /// Acknowledged sends with a `clientMsgID`, to retry; acknowledged sends, to recall.
  private var retryable: [Sent] = []
  private var recallable: [Sent] = []

  /// Of the sends to stable channels, the percentage with a `clientMsgID`.
  private let clientMsgIDPercent: Int

  init(population: StressPopulation, seed: UInt64, clientMsgIDPercent: Int) {
    self.population = population
    self.clientMsgIDPercent = clientMsgIDPercent
    generator = SeededGenerator(seed: seed)
  }

  mutating func nextRequest(number: Int) -> StressRequest {
    let now = MonotonicClock.nanoseconds()
    retryable.removeAll { now - $0.sentAt > Self.retryWithinNanoseconds }
    let roll = Int.random(in: 0..<100, using: &generator)
    if roll < 6, let sent = recallable.randomElement(using: &generator) {
      return recall(sent, number: number)
    }
    if roll < 12, let sent = retryable.randomElement(using: &generator) {
      return roll < 10 ? retry(sent, number: number) : reuse(sent, number: number)
    }
    if roll < 15, let channel = population.churnedChannelIDs.randomElement(using: &generator) {
      return send(to: channel, clientMsgID: nil, number: number, expecting: ["ok", "not_found"])
    }
    let channel = population.plan.channelID(population.randomChannel(using: &generator))
    let withClientMsgID = Int.random(in: 0..<100, using: &generator) < clientMsgIDPercent
    let clientMsgID = withClientMsgID ? "stress-\(number)" : nil
    return send(to: channel, clientMsgID: clientMsgID, number: number, expecting: ["ok"])
  }

  mutating func learn(number: Int, code: String, result: JSONObject?) {
    guard var sent = awaitingReply.removeValue(forKey: number), code == "ok",
      let msgKey = result?["msgKey"]?.stringValue, let seq = result?["seq"]?.int64Value
    else { return }
    sent.msgKey = msgKey
    sent.seq = seq
    Self.keep(sent, in: &recallable)
    if sent.clientMsgID != nil { Self.keep(sent, in: &retryable) }
  }

  private static func keep(_ sent: Sent, in pool: inout [Sent]) {
    if pool.count >= poolSize { pool.removeFirst(pool.count - poolSize + 1) }
    pool.append(sent)
  }

  private mutating func send(
    to channel: String, clientMsgID: String?, number: Int, expecting codes: Set<String>
  ) -> StressRequest {
    let payload = StressPayload.make(number: number, using: &generator)
    let stable = codes == ["ok"]
    if stable {
      awaitingReply[number] = Sent(
        channel: channel, clientMsgID: clientMsgID, payload: payload,
        sentAt: MonotonicClock.nanoseconds())
    }
    let kind =
      stable
      ? (clientMsgID == nil ? "sendMessage" : "sendMessage (clientMsgID)")
      : "sendMessage (churned channel)"
    var request = StressRequest.good(kind, op: "sendMessage", id: number, expecting: codes) {
      $0.add("officialAccountID", channel)
      if let clientMsgID { $0.add("clientMsgID", clientMsgID) }
      $0.add("payload", rawJSON: payload)
    }
    request.announcement = .messages
    return request
  }

  /// The same `clientMsgID` and payload bytes again: the first reply, and no broadcast.
  private func retry(_ sent: Sent, number: Int) -> StressRequest {
    var request = StressRequest.good("sendMessage (retry)", op: "sendMessage", id: number) {
      $0.add("officialAccountID", sent.channel)
      $0.add("clientMsgID", sent.clientMsgID ?? "")
      $0.add("payload", rawJSON: sent.payload)
    }
    request.check = .sameMessage(msgKey: sent.msgKey, seq: sent.seq)
    return request
  }

  /// The same `clientMsgID` with other payload bytes (only a space added, half the time):
  /// `duplicate`, naming the first message.
  private mutating func reuse(_ sent: Sent, number: Int) -> StressRequest {
    let payload =
      Bool.random(using: &generator)
      ? Array(sent.payload.prefix(1)) + Array(" ".utf8) + sent.payload.dropFirst()
      : StressPayload.make(number: -number, using: &generator)
    var request = StressRequest.good(
      "sendMessage (reused clientMsgID)", op: "sendMessage", id: number, expecting: ["duplicate"]
    ) {
      $0.add("officialAccountID", sent.channel)
      $0.add("clientMsgID", sent.clientMsgID ?? "")
      $0.add("payload", rawJSON: payload)
    }
    request.check = .duplicateOf(msgKey: sent.msgKey)
    return request
  }

  /// Recalls a recent message, sometimes with a key no message has: `ok` with a result per key,
  /// `ok` (perhaps "already recalled") or `not_found`.
  private mutating func recall(_ sent: Sent, number: Int) -> StressRequest {
    let withUnknownKey = Int.random(in: 0..<4, using: &generator) == 0
    var request = StressRequest.good("recallMessages", op: "recallMessages", id: number) {
      $0.add("officialAccountID", sent.channel)
      var keys = JSONArrayWriter()
      keys.append(sent.msgKey)
      if withUnknownKey { keys.append("aaaaaaaaaaaaaaaaaaaa") }
      $0.add("msgKeys", array: keys)
      $0.add("reason", "stress recall \(number)")
    }
    request.check = .recallResults
    return request
  }
}
