/// The crash workload's choice of requests: a seeded random mix of every mutation, each chosen
/// against what the model predicts, so that most succeed and some meet the errors a real
/// publisher meets (a channel deleted meanwhile, a user who already left, a clientMsgID reused
/// for another payload).
struct RandomRequests {
  private var random: SeededRandom
  /// Makes every name, text and payload distinct.
  private var counter = 0

  init(seed: UInt64) {
    random = SeededRandom(seed: seed)
  }

  /// How many requests the workload keeps in flight.
  mutating func window() -> Int { Int.random(in: 1...32, using: &random) }

  /// How long the workload runs before the next kill.
  mutating func killDelay() -> Duration { .milliseconds(Int.random(in: 50...400, using: &random)) }

  mutating func next(against model: CrashModel) -> WorkloadRequest {
    counter += 1
    let id = pick(CrashWorkload.channelIDs)
    guard let channel = model.channels[id] else {
      return chance(60) ? create(id) : anyRequest(id, nil)
    }
    return anyRequest(id, channel)
  }

  mutating func create(_ id: String) -> WorkloadRequest {
    counter += 1
    let fields = ChannelFields(
      officialAccountName: "Channel \(counter) ✓", faceUrl: "https://example.com/\(counter).png",
      organization: chance(50) ? "Org \(counter)" : "", introduction: "Intro \"\(counter)\"\nend",
      customData: chance(50) ? #"{"k": \#(counter)}"# : "",
      maxSubscriberCount: 0)  // the request's own maxSubscriberCount, or the default, replaces it
    return .create(
      id: id, ownerUserID: "owner\(Int.random(in: 0..<3, using: &random))", fields: fields,
      maxSubscriberCount: chance(50) ? Int.random(in: 30...1000, using: &random) : nil)
  }

  mutating func probeMessage(_ id: String) -> WorkloadRequest {
    counter += 1
    return .send(id: id, payload: "probe \(counter)", clientMsgID: nil)
  }

  private mutating func anyRequest(_ id: String, _ channel: ModelChannel?) -> WorkloadRequest {
    let subscribers = channel?.subscribers.keys.sorted() ?? []
    switch Int.random(in: 0..<100, using: &random) {
    case 0..<5:
      return create(id)
    case 5..<17:
      return .subscribe(id: id, userID: user())
    case 17..<25:
      let count = Int.random(in: 1...8, using: &random)
      return .subscribeBatch(id: id, userIDs: (0..<count).map { _ in user() })
    case 25..<33:
      return .unsubscribe(id: id, userID: user(preferring: subscribers))
    case 33..<43:
      let msgFlag = chance(70) ? pick(["acceptAndNotify", "acceptNotNotify", "discard"]) : nil
      let customData = chance(60) ? pick(["", "data \(counter) ✓"]) : nil
      return .setSubscriptionOptions(
        id: id, userID: user(preferring: subscribers), msgFlag: msgFlag, customData: customData)
    case 43..<51:
      return .setInfo(id: id, changes: fieldChanges())
    case 51..<87:
      return send(id, channel)
    case 87..<97:
      return recall(id, channel)
    default:
      return .delete(id: id)
    }
  }

  private mutating func send(_ id: String, _ channel: ModelChannel?) -> WorkloadRequest {
    let payload =
      "message \(counter) " + String(repeating: "é", count: .random(in: 0...150, using: &random))
    let earlier = channel?.clientMsgIDs.sorted { $0.key < $1.key } ?? []
    switch Int.random(in: 0..<100, using: &random) {
    case 0..<10 where !earlier.isEmpty:
      // A retry with the same payload: the first reply again, nothing broadcast.
      let (clientMsgID, sent) = pick(earlier)
      return .send(id: id, payload: sent.payload, clientMsgID: clientMsgID)
    case 10..<13 where !earlier.isEmpty:
      return .send(id: id, payload: payload, clientMsgID: pick(earlier).key)  // duplicate
    case 13..<50:
      return .send(id: id, payload: payload, clientMsgID: "client-\(counter)")
    default:
      return .send(id: id, payload: payload, clientMsgID: nil)
    }
  }

  private mutating func recall(_ id: String, _ channel: ModelChannel?) -> WorkloadRequest {
    var known: [String] = []
    for case .message(_, let msgKey?, _, _, _) in channel?.history ?? [] { known.append(msgKey) }
    let count = Int.random(in: 1...3, using: &random)
    let msgKeys = (0..<count).map { _ in
      known.isEmpty || chance(10) ? "unknownmsgkey\(counter)" : pick(known.suffix(20))
    }
    return .recall(id: id, msgKeys: msgKeys, reason: chance(50) ? "" : "reason \(counter) ✓")
  }

  private mutating func fieldChanges() -> WorkloadRequest.FieldChanges {
    var changes = WorkloadRequest.FieldChanges()
    repeat {
      if chance(40) { changes.officialAccountName = "Renamed \(counter)" }
      if chance(30) { changes.faceUrl = chance(20) ? "" : "https://example.com/face-\(counter)" }
      if chance(30) { changes.organization = "Organization \(counter)" }
      if chance(30) { changes.introduction = "Introduction \(counter) ✓" }
      if chance(30) { changes.customData = chance(20) ? "" : "custom \(counter)" }
      if chance(30) { changes.maxSubscriberCount = Int.random(in: 30...1000, using: &random) }
    } while changes.isEmpty
    return changes
  }

  /// A user: with `preferring` not empty, one of those most of the time.
  private mutating func user(preferring users: [String] = []) -> String {
    users.isEmpty || chance(20) ? pick(CrashWorkload.userIDs) : pick(users)
  }

  private mutating func pick<C: Collection>(_ elements: C) -> C.Element {
    elements.randomElement(using: &random)!
  }

  private mutating func chance(_ percent: Int) -> Bool {
    Int.random(in: 0..<100, using: &random) < percent
  }
}

extension WorkloadRequest.FieldChanges {
  fileprivate var isEmpty: Bool {
    officialAccountName == nil && faceUrl == nil && organization == nil && introduction == nil
      && customData == nil && maxSubscriberCount == nil
  }
}
