import ChannelCastProtocol

/// Channel operations: create, list, change, delete, read.
extension ChannelCastService {
  /// The fields `setOfficialAccountInfo` may not change.
  static let readOnlyFields = [
    "ownerUserID", "createTime", "subscriberCount", "lastMessageTime", "lastSeq",
  ]

  func createOfficialAccount(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id: ByteString
    if let given = try request.bytes("officialAccountID") {
      try FieldValidation.officialAccountID(given)
      id = given
    } else {
      var generated = identifiers.randomOfficialAccountID()
      while state.channels.number(of: generated) != nil {
        generated = identifiers.randomOfficialAccountID()
      }
      id = generated
    }
    guard let owner = try request.userID("ownerUserID") else { throw .missing("ownerUserID") }
    guard
      let name = try request.text(
        "officialAccountName", limit: FieldLimits.officialAccountName, minimum: 1)
    else { throw .missing("officialAccountName") }
    var account = OfficialAccount(
      officialAccountID: id, officialAccountName: name, ownerUserID: owner,
      createTime: nowSeconds,
      maxSubscriberCount: try Self.maxSubscriberCount(request) ?? limits.maxSubscriberCount,
      lastSeq: state.channels.retiredLastSeq(of: id) ?? 0)
    try Self.readTextFields(request, to: &account)
    guard state.channels.number(of: id) == nil else {
      throw ChannelCastError(
        .alreadyExists, "official account \(id) already exists",
        details: .init(field: "officialAccountID"))
    }

    guard case .channelCreated(let number) = record(.channelCreated(account)) else {
      preconditionFailure("not a creation")
    }
    return state.view(of: number)
  }

  func listOfficialAccounts(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let page = state.channels.ids(
      after: try Self.pageCursor(request).map(ByteString.init), limit: try request.pageLimit())
    var accounts = JSONArrayWriter()
    for id in page.ids {
      accounts.append(object: state.view(of: state.channels.number(of: id)!))
    }
    var result = JSONObjectWriter()
    result.add("officialAccounts", array: accounts)
    Self.addNextCursor(page.hasMore ? page.ids.last : nil, to: &result)
    return result
  }

  func setOfficialAccountInfo(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let number = try channelNumber(try request.requiredOfficialAccountID())
    if let field = Self.readOnlyFields.first(where: { request.has($0) }) {
      throw .invalid(field, "\(field) is read-only")
    }
    var account = state.channels[number].account
    if let name = try request.text(
      "officialAccountName", limit: FieldLimits.officialAccountName, minimum: 1)
    {
      account.officialAccountName = name
    }
    try Self.readTextFields(request, to: &account)
    if let maximum = try Self.maxSubscriberCount(request) {
      account.maxSubscriberCount = maximum
    }
    guard account != state.channels[number].account else {
      throw ChannelCastError(.invalidArgument, "the request changes nothing")
    }

    let change = JournalRecord.ChannelChange(
      officialAccountID: account.officialAccountID, seq: state.nextSeq(number),
      timeMs: clock.nowMilliseconds(), officialAccountName: account.officialAccountName,
      faceUrl: account.faceUrl, organization: account.organization,
      introduction: account.introduction, customData: account.customData,
      maxSubscriberCount: account.maxSubscriberCount)
    guard case .channelChanged(let view) = record(.channelChanged(change)) else {
      preconditionFailure("not a change")
    }
    return view
  }

  func deleteOfficialAccount(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    _ = try channelNumber(id)
    record(.channelDeleted(officialAccountID: id))
    return JSONObjectWriter()
  }

  func getOfficialAccountsInfo(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let ids =
      try request.array(
        "officialAccountIDList", limit: FieldLimits.officialAccountIDsPerRequest) ?? []
    let user = try request.userID().flatMap { state.directory.lookup($0) }
    if ids.isEmpty {
      guard request.has("userID") else {
        throw .invalid(
          "officialAccountIDList",
          "give officialAccountIDList, or an empty list and a userID to list its subscriptions")
      }
      return try subscribedAccounts(of: user, request)
    }
    var results = JSONArrayWriter()
    for element in ids {
      guard let bytes = element.stringBytes else {
        throw .invalid("officialAccountIDList", "officialAccountIDList must hold strings")
      }
      let id = ByteString(bytes)
      var result = JSONObjectWriter()
      result.add("officialAccountID", utf8: id.bytes)
      do throws(ChannelCastError) {
        try FieldValidation.officialAccountID(id)
        let number = try channelNumber(id)
        let subscribeTime = user.flatMap { state.index.subscription(user: $0, channel: number) }?
          .subscribeTime
        result.addResult()
        result.add(
          "officialAccountInfo", object: state.view(of: number, subscribeTime: subscribeTime))
      } catch {
        result.addResult(error)
      }
      results.append(object: result)
    }
    return .results(results)
  }

  /// The paged form of `getOfficialAccountsInfo`: the channels a user subscribes to, by ID.
  private func subscribedAccounts(of user: UInt32?, _ request: Request) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    let limit = try request.pageLimit()
    let cursor = try Self.pageCursor(request)
    var subscribed = (user.map { state.index.subscriptions(of: $0) } ?? []).map {
      (
        id: state.channels.officialAccountID(of: $0.channel), channel: $0.channel,
        time: $0.subscribeTime
      )
    }
    if let cursor { subscribed.removeAll { !(ByteString(cursor) < $0.id) } }
    subscribed.sort { $0.id < $1.id }
    let page = subscribed.prefix(limit)
    var results = JSONArrayWriter()
    for entry in page {
      var result = JSONObjectWriter()
      result.add("officialAccountID", utf8: entry.id.bytes)
      result.addResult()
      result.add(
        "officialAccountInfo", object: state.view(of: entry.channel, subscribeTime: entry.time))
      results.append(object: result)
    }
    var reply = JSONObjectWriter.results(results)
    Self.addNextCursor(subscribed.count > limit ? page.last?.id : nil, to: &reply)
    return reply
  }

  // MARK: Field helpers

  private static func readTextFields(_ request: Request, to account: inout OfficialAccount)
    throws(ChannelCastError)
  {
    if let faceUrl = try request.text("faceUrl", limit: FieldLimits.faceUrl) {
      account.faceUrl = faceUrl
    }
    if let organization = try request.text("organization", limit: FieldLimits.organization) {
      account.organization = organization
    }
    if let introduction = try request.text("introduction", limit: FieldLimits.introduction) {
      account.introduction = introduction
    }
    if let customData = try request.text("customData", limit: FieldLimits.customData) {
      account.customData = customData
    }
  }

  private static func maxSubscriberCount(_ request: Request) throws(ChannelCastError) -> Int? {
    try request.integer("maxSubscriberCount", in: 1...FieldLimits.maxSubscriberCountCeiling)
  }

  /// `nextCursor`: the last key of the page when more follow, else null.
  static func addNextCursor(_ cursor: ByteString?, to result: inout JSONObjectWriter) {
    if let cursor {
      result.add("nextCursor", utf8: cursor.bytes)
    } else {
      result.addNull("nextCursor")
    }
  }
}
