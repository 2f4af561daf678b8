import ChannelCastProtocol

/// Subscription operations: subscribe (single and batch), unsubscribe, options, subscriber pages.
extension ChannelCastService {
  func subscribeOfficialAccount(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let number = try channelNumber(try request.requiredOfficialAccountID())
    switch (request.has("userID"), request.has("userIDList")) {
    case (true, false):
      return try subscribe(try request.requiredUserID(), to: number)
    case (false, true):
      return try subscribeBatch(request, to: number)
    default:
      throw .invalid("userID", "give exactly one of userID and userIDList")
    }
  }

  /// Subscribes one user and sends it `officialAccountSubscribed` unless it already subscribed.
  /// Returns the user's view of the channel, with the first subscribe time for a repeat.
  @discardableResult
  private func subscribe(_ userID: ByteString, to number: UInt32) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    let known = state.directory.lookup(userID)
    if let known, let existing = state.index.subscription(user: known, channel: number) {
      return state.view(of: number, subscribeTime: existing.subscribeTime)
    }
    let maximum = state.channels.maxSubscriberCount(of: number)
    let id = state.channels.officialAccountID(of: number)
    guard state.index.subscriberCount(of: number) < maximum else {
      throw ChannelCastError(
        .limitExceeded, "official account \(id) has reached its maxSubscriberCount of \(maximum)",
        details: .init(field: "maxSubscriberCount", limit: maximum))
    }
    if let known, state.index.subscriptionCount(of: known) >= limits.maxSubscriptionsPerUser {
      throw ChannelCastError(
        .limitExceeded,
        "user \(userID) already subscribes to \(limits.maxSubscriptionsPerUser) official "
          + "accounts, the most one user may",
        details: .init(field: "userID", limit: limits.maxSubscriptionsPerUser))
    }
    let now = UInt32(clamping: nowSeconds)
    let applied = record(
      .subscribed(officialAccountID: id, userID: userID, subscribeTime: now), channel: number,
      user: known)
    guard case .subscribed(let view) = applied else { preconditionFailure("not a subscription") }
    return view
  }

  private func subscribeBatch(_ request: Request, to number: UInt32) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    guard let users = try request.array("userIDList", limit: FieldLimits.userIDsPerBatch),
      !users.isEmpty
    else { throw .invalid("userIDList", "userIDList must not be empty") }
    var results = JSONArrayWriter()
    for element in users {
      var result = JSONObjectWriter()
      result.add("userID", rawJSON: element.bytes)
      do throws(ChannelCastError) {
        guard let bytes = element.stringBytes else {
          throw .invalid("userIDList", "each entry of userIDList must be a string")
        }
        let userID = ByteString(bytes)
        try FieldValidation.userID(userID)
        try subscribe(userID, to: number)
        result.addResult()
      } catch {
        result.addResult(error)
      }
      results.append(object: result)
    }
    return .results(results)
  }

  func unsubscribeOfficialAccount(_ request: Request) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    let id = try request.requiredOfficialAccountID()
    let number = try channelNumber(id)
    let userID = try request.requiredUserID()
    guard let known = state.directory.lookup(userID),
      state.index.subscription(user: known, channel: number) != nil
    else { throw notSubscribed(userID, id) }
    record(.unsubscribed(officialAccountID: id, userID: userID), channel: number, user: known)
    return JSONObjectWriter()
  }

  func setSubscriptionOptions(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    let number = try channelNumber(id)
    let userID = try request.requiredUserID()
    let flag = try request.string("msgFlag").map { (name) throws(ChannelCastError) in
      guard let flag = MessageFlag(name: name) else {
        throw .invalid(
          "msgFlag",
          "msgFlag \"\(name)\" is not one of "
            + MessageFlag.allCases.map(\.name).joined(separator: ", "))
      }
      return flag
    }
    let customData = try request.text("customData", limit: FieldLimits.customData)
    guard let user = state.directory.lookup(userID),
      var subscription = state.index.subscription(user: user, channel: number)
    else { throw notSubscribed(userID, id) }
    if flag != nil || customData != nil {
      let change = JournalRecord.SubscriptionOptionsChange(
        officialAccountID: id, userID: userID, flag: flag, customData: customData)
      guard
        case .subscriptionOptionsChanged(let changed) = record(.subscriptionOptionsChanged(change))
      else { preconditionFailure("not an options change") }
      subscription = changed
    }
    var result = JSONObjectWriter()
    result.add("userID", utf8: userID.bytes)
    result.add("officialAccountID", utf8: id.bytes)
    Self.addSubscriptionFields(subscription, to: &result)
    return result
  }

  func getSubscribers(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let number = try channelNumber(try request.requiredOfficialAccountID())
    let limit = try request.pageLimit()
    let page = state.index.subscriberPage(
      of: number, after: try Self.pageCursor(request), limit: limit)
    // Gathered in short loops before the encoding: in a big channel each user's entries are
    // cache misses, and a short loop lets the processor wait for several of them at once.
    let userIDs = page.users.map { state.directory.idBytes($0) }
    let subscriptions = page.users.map { state.index.subscription(user: $0, channel: number)! }
    var subscribers = JSONArrayWriter(reservingCapacity: page.users.count * Self.subscriberBytes)
    var subscriber = JSONObjectWriter()  // reused: one allocation per page, not per subscriber
    for (userID, subscription) in zip(userIDs, subscriptions) {
      subscriber.removeAll()
      subscriber.add("userID", utf8: userID)
      Self.addSubscriptionFields(subscription, to: &subscriber)
      subscribers.append(object: subscriber)
    }
    var result = JSONObjectWriter()
    result.add("subscribers", array: subscribers)
    Self.addNextCursor(
      page.hasMore ? page.users.last.map { state.directory.userID(of: $0) } : nil, to: &result)
    result.add("subscriberCount", state.index.subscriberCount(of: number))
    return result
  }

  /// About what one subscriber of a page takes in the reply, to size the page's buffer once.
  private static let subscriberBytes = 96

  private static func addSubscriptionFields(
    _ subscription: SubscriptionIndex.Subscription, to object: inout JSONObjectWriter
  ) {
    object.add("subscribeTime", Int64(subscription.subscribeTime))
    object.add("msgFlag", subscription.flag.name)
    object.add("customData", subscription.customData)
  }

  func notSubscribed(_ userID: ByteString, _ id: ByteString) -> ChannelCastError {
    ChannelCastError(
      .notFound, "user \(userID) does not subscribe to \(id)", details: .init(field: "userID"))
  }
}
