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
      while channelNumbers[generated] != nil { generated = identifiers.randomOfficialAccountID() }
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
      lastSeq: retiredLastSeq[id] ?? 0)
    try Self.applyTextFields(request, to: &account)
    guard channelNumbers[id] == nil else {
      throw ChannelCastError(
        .alreadyExists, "official account \(id) already exists",
        details: .init(field: "officialAccountID"))
    }

    mutationLog?.append(.channelCreated(account))
    let number = insertChannel(account)
    return info(number)
  }

  /// Adds a channel to the state and returns its number. Shared by create and recovery.
  @discardableResult
  func insertChannel(_ account: OfficialAccount) -> UInt32 {
    let id = account.officialAccountID
    retiredLastSeq[id] = nil
    let number = index.addChannel()
    let state = ChannelState(account: account, history: newHistory())
    if Int(number) == channels.count {
      channels.append(state)
    } else {
      channels[Int(number)] = state
    }
    channelNumbers[id] = number
    sortedIDs.insert(id, at: Self.insertionPoint(of: id, in: sortedIDs))
    return number
  }

  func listOfficialAccounts(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let limit = try request.pageLimit()
    let start =
      try Self.pageCursor(request).map {
        Self.insertionPoint(after: ByteString($0), in: sortedIDs)
      } ?? 0
    let end = min(start + limit, sortedIDs.count)
    var accounts = JSONArrayWriter()
    for id in sortedIDs[start..<end] {
      accounts.append(object: info(channelNumbers[id]!))
    }
    var result = JSONObjectWriter()
    result.add("officialAccounts", array: accounts)
    Self.addNextCursor(end < sortedIDs.count && end > start ? sortedIDs[end - 1] : nil, to: &result)
    return result
  }

  func setOfficialAccountInfo(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let number = try channelNumber(try request.requiredOfficialAccountID())
    if let field = Self.readOnlyFields.first(where: { request.has($0) }) {
      throw .invalid(field, "\(field) is read-only")
    }
    var account = self[channel: number].account
    if let name = try request.text(
      "officialAccountName", limit: FieldLimits.officialAccountName, minimum: 1)
    {
      account.officialAccountName = name
    }
    try Self.applyTextFields(request, to: &account)
    if let maximum = try Self.maxSubscriberCount(request) {
      account.maxSubscriberCount = maximum
    }
    guard account != self[channel: number].account else {
      throw ChannelCastError(.invalidArgument, "the request changes nothing")
    }

    let change = JournalRecord.ChannelChange(
      officialAccountID: account.officialAccountID, seq: nextSeq(number),
      timeMs: clock.nowMilliseconds(), officialAccountName: account.officialAccountName,
      faceUrl: account.faceUrl, organization: account.organization,
      introduction: account.introduction, customData: account.customData,
      maxSubscriberCount: account.maxSubscriberCount)
    mutationLog?.append(.channelChanged(change))
    let (view, envelope) = storeChange(change, in: number)
    broadcast(.officialAccountInfoChanged, number, envelopes: .everyone(SharedBytes(envelope)))
    return view
  }

  /// Applies a change to a channel and appends its `officialAccountInfoChanged` entry; returns
  /// the channel's new view and the entry (the reply and the event carry the same view: it is
  /// encoded once). Shared by `setOfficialAccountInfo` and recovery.
  func storeChange(_ change: JournalRecord.ChannelChange, in number: UInt32)
    -> (view: JSONObjectWriter, envelope: [UInt8])
  {
    var account = self[channel: number].account
    account.officialAccountName = change.officialAccountName
    account.faceUrl = change.faceUrl
    account.organization = change.organization
    account.introduction = change.introduction
    account.customData = change.customData
    account.maxSubscriberCount = change.maxSubscriberCount
    channels[Int(number)]!.account = account
    advanceSeq(number, to: change.seq)  // before the view, which shows it
    let view = info(number)
    let envelope = Envelope.officialAccountInfoChanged(seq: change.seq, officialAccountInfo: view)
    appendToStream(
      number, seq: change.seq, timeMs: change.timeMs, kind: .officialAccountInfoChanged,
      encoded: envelope)
    return (view, envelope)
  }

  func deleteOfficialAccount(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let id = try request.requiredOfficialAccountID()
    let number = try channelNumber(id)
    mutationLog?.append(.channelDeleted(officialAccountID: id))
    broadcast(
      .officialAccountDeleted, to: removeChannel(number),
      envelopes: .everyone(SharedBytes(Envelope.officialAccountDeleted(officialAccountID: id))),
      channel: number)
    return JSONObjectWriter()
  }

  /// Removes a channel, its subscriptions and its messages still in flight; returns its last
  /// members. Shared by `deleteOfficialAccount` and recovery.
  func removeChannel(_ number: UInt32) -> ChannelMembers {
    let id = self[channel: number].account.officialAccountID
    let members = index.removeChannel(number)
    retiredLastSeq[id] = self[channel: number].account.lastSeq
    channels[Int(number)] = nil
    channelNumbers[id] = nil
    sortedIDs.remove(at: Self.insertionPoint(of: id, in: sortedIDs))
    inFlightMessages.removeAll { $0.message.officialAccountID == id }
    sendRates.forget(id)
    return members
  }

  func getOfficialAccountsInfo(_ request: Request) throws(ChannelCastError) -> JSONObjectWriter {
    let ids =
      try request.array(
        "officialAccountIDList", limit: FieldLimits.officialAccountIDsPerRequest) ?? []
    let user = try request.userID().flatMap { index.directory.lookup($0) }
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
        let subscribeTime = user.flatMap { index.subscription(user: $0, channel: number) }?
          .subscribeTime
        result.addResult()
        result.add("officialAccountInfo", object: info(number, subscribeTime: subscribeTime))
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
    var subscribed = (user.map { index.subscriptions(of: $0) } ?? []).map {
      (
        id: self[channel: $0.channel].account.officialAccountID, channel: $0.channel,
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
      result.add("officialAccountInfo", object: info(entry.channel, subscribeTime: entry.time))
      results.append(object: result)
    }
    var reply = JSONObjectWriter.results(results)
    Self.addNextCursor(subscribed.count > limit ? page.last?.id : nil, to: &reply)
    return reply
  }

  // MARK: Field helpers

  private static func applyTextFields(_ request: Request, to account: inout OfficialAccount)
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

  /// The first position whose ID is not below `id`.
  static func insertionPoint(of id: ByteString, in ids: [ByteString]) -> Int {
    var low = 0
    var high = ids.count
    while low < high {
      let middle = (low + high) / 2
      if ids[middle] < id { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The first position whose ID sorts after `id`.
  static func insertionPoint(after id: ByteString, in ids: [ByteString]) -> Int {
    let position = insertionPoint(of: id, in: ids)
    return position < ids.count && ids[position] == id ? position + 1 : position
  }
}
