import ChannelCastProtocol

/// The protocol's state machine: takes a request frame, changes the in-memory state, submits the
/// deliveries it causes, and returns the reply frame.
///
/// Ownership: not thread-safe. Exactly one thread (the daemon's command thread) calls `handle`;
/// it owns the channels, the index and the histories. The fan-out it submits to is thread-safe.
public final class ChannelCastService {
  public static let version = "0.1.0"
  public static let protocolVersion = 1

  private(set) var limits: ServiceLimits
  let fanOut: FanOut
  let clock: any TimeSource
  var index: SubscriptionIndex
  /// Channel state by channel number (the index's numbering); nil for a free number. Chunked
  /// for snapshots (see `ChunkedArray`).
  var channels = ChunkedArray<ChannelState?>()
  var channelNumbers: [ByteString: UInt32] = [:]
  /// All channel IDs in byte order, for listing.
  var sortedIDs: [ByteString] = []
  /// The last seq of deleted channels, so that a channel re-created under the same ID continues it.
  var retiredLastSeq: [ByteString: UInt64] = [:]
  var identifiers = IdentifierGenerator()
  /// Deliveries caused by the requests handled since the last `submitPendingDeliveries()`.
  var pendingFanOut: PendingFanOut
  /// Each channel's `sendMessage` token bucket (when a rate is set).
  var sendRates = SendRateLimiter()
  /// Refuses requests that fan out to a channel while too many deliveries are pending.
  private var admission = FanOutAdmission()
  /// Sent messages whose fan-out has not finished, oldest first: what recovery fans out again.
  var inFlightMessages: [InFlightMessage] = []
  /// Where every mutation is written before it shows; nil while recovering (and in tests that
  /// keep nothing).
  public var mutationLog: (any MutationLog)?
  /// The daemon's file operations (`backup`); weak because the daemon's side owns the service.
  public weak var administration: (any ServiceAdministration)?
  var broadcastCount: UInt64 = 0
  /// Events sent, by `EventType` (a broadcast counts once, whatever its recipients).
  private var eventCounts = [UInt64](repeating: 0, count: EventType.allCases.count)
  /// The op and result of the request handled last.
  public private(set) var lastOutcome = RequestOutcome(op: .none, error: nil)
  let startedAtMs: Int64

  public init(
    limits: ServiceLimits, fanOut: FanOut, directory: UserDirectory,
    clock: any TimeSource = SystemTimeSource()
  ) {
    self.limits = limits
    self.fanOut = fanOut
    self.clock = clock
    self.index = SubscriptionIndex(shardCount: fanOut.shardCount, directory: directory)
    self.pendingFanOut = PendingFanOut(shardCount: fanOut.shardCount)
    self.startedAtMs = clock.nowMilliseconds()
  }

  /// A request that fans out to more recipients than this hands its deliveries to the shards
  /// at once rather than with the rest of the run of requests.
  static let eagerSubmitRecipients = 1024

  /// Handles one request frame and returns the reply frame. Never throws: every failure, from
  /// bytes that are not JSON to an unknown channel, is an error reply.
  ///
  /// The per-user events a request causes are gathered, in order, until `finishRun()`, which
  /// the caller calls after each run of requests and before sending their replies; a
  /// broadcast, and anything gathered before it, is submitted at once.
  public func handle(_ frame: [UInt8], as role: Role = .admin) -> [UInt8] {
    handle(frame[...], as: role)
  }

  /// Handles one request frame given as a slice, such as a view into a receive buffer: the
  /// frame's bytes are only read, never kept. A request outside `role` gets
  /// `permission_denied` and changes nothing.
  public func handle(_ frame: ArraySlice<UInt8>, as role: Role = .admin) -> [UInt8] {
    let fields: JSONObject
    do {
      fields = try JSONParser.parseObject(frame)
    } catch {
      lastOutcome = RequestOutcome(op: .none, error: .invalidArgument)
      return Reply.failure(
        id: Reply.nullID,
        error: ChannelCastError(.invalidArgument, "the request is not valid JSON: \(error)"))
    }
    let id = fields["id"]?.bytes ?? Reply.nullID
    defer {
      if pendingFanOut.recipientCount >= Self.eagerSubmitRecipients { submitPendingDeliveries() }
    }
    let request = Request(fields: fields)
    let op = request.op
    do throws(ChannelCastError) {
      if case .known(let op) = op { try role.authorize(op, request) }
      let result = try perform(op, request)
      lastOutcome = RequestOutcome(op: op, error: nil)
      return Reply.success(id: id, result: result)
    } catch {
      lastOutcome = RequestOutcome(op: op, error: error.code)
      return Reply.failure(id: id, error: error)
    }
  }

  private func perform(_ op: RequestOutcome.Op, _ request: Request) throws(ChannelCastError)
    -> JSONObjectWriter
  {
    guard case .known(let op) = op else {
      // The field again, as a string this time, for the error: absent, not a string, or a name
      // the protocol does not have.
      guard let name = try request.string("op") else { throw .missing("op") }
      throw ChannelCastError(.unknownOp, "unknown op \"\(name)\"", details: .init(field: "op"))
    }
    if Self.channelWideOps.contains(op) { try admitFanOut() }
    switch op {
    case .ping: return ping()
    case .createOfficialAccount: return try createOfficialAccount(request)
    case .listOfficialAccounts: return try listOfficialAccounts(request)
    case .setOfficialAccountInfo: return try setOfficialAccountInfo(request)
    case .deleteOfficialAccount: return try deleteOfficialAccount(request)
    case .getOfficialAccountsInfo: return try getOfficialAccountsInfo(request)
    case .subscribeOfficialAccount: return try subscribeOfficialAccount(request)
    case .unsubscribeOfficialAccount: return try unsubscribeOfficialAccount(request)
    case .setSubscriptionOptions: return try setSubscriptionOptions(request)
    case .getSubscribers: return try getSubscribers(request)
    case .sendMessage: return try sendMessage(request)
    case .sendMessageToOfficialAccount: return try sendMessageToOfficialAccount(request)
    case .recallMessages: return try recallMessages(request)
    case .getHistory: return try getHistory(request)
    case .stats: return stats()
    case .backup: return try backup(request)
    }
  }

  /// The ops that fan out to a channel's subscribers, which `maxPendingDeliveries` bounds.
  static let channelWideOps: Set<RequestOp> = [
    .sendMessage, .recallMessages, .setOfficialAccountInfo, .deleteOfficialAccount,
  ]

  /// Refuses, as `overloaded` and before anything changes, a request that fans out to a
  /// channel's subscribers while more deliveries are pending than `maxPendingDeliveries`: those
  /// in the shards and those gathered for them in this run.
  private func admitFanOut() throws(ChannelCastError) {
    try admission.admit(
      pending: fanOut.pendingDeliveries + pendingFanOut.recipientCount,
      limit: limits.maxPendingDeliveries,
      handedSoFar: fanOut.deliveriesSent &+ fanOut.deliveriesDropped,
      nowMs: clock.nowMilliseconds())
  }

  // MARK: Shared helpers

  var nowSeconds: Int64 { clock.nowMilliseconds() / 1000 }

  /// The number of an existing channel, or `not_found`.
  func channelNumber(_ id: ByteString) throws(ChannelCastError) -> UInt32 {
    guard let number = channelNumbers[id] else { throw .accountNotFound(id) }
    return number
  }

  /// An existing channel's state, read in place. Reading through `channels[Int(number)]!` would
  /// copy the whole state, retaining and releasing every string and array in it, to read one
  /// field; matching the optional borrows it instead.
  subscript(channel number: UInt32) -> ChannelState {
    _read {
      guard case .some(let state) = channels[Int(number)] else {
        preconditionFailure("no channel number \(number)")
      }
      yield state
    }
  }

  /// A channel's info as the protocol shows it, optionally in one subscriber's view.
  func info(_ number: UInt32, subscribeTime: UInt32? = nil) -> JSONObjectWriter {
    .officialAccountInfo(
      self[channel: number].account, staticInfo: self[channel: number].staticInfo,
      subscriberCount: index.subscriberCount(of: number), subscribeTime: subscribeTime)
  }

  /// Ends a run of requests: journals the fan-outs that have finished, commits the journal,
  /// and hands the gathered deliveries to the shards. Call it before sending the run's replies,
  /// and now and then when idle.
  public func finishRun() {
    journalFinishedFanOuts()
    submitPendingDeliveries()
  }

  /// Commits the journal, then hands the deliveries gathered since the last call to the
  /// fan-out shards: nothing leaves the process before its record is in the journal.
  func submitPendingDeliveries() {
    mutationLog?.commit()
    if !pendingFanOut.isEmpty { fanOut.submit(&pendingFanOut) }
  }

  /// Forgets the in-flight messages whose fan-out has finished, with a journal record each.
  private func journalFinishedFanOuts() {
    guard inFlightMessages.contains(where: { $0.progress?.isFinished == true }) else { return }
    inFlightMessages.removeAll { inFlight in
      guard inFlight.progress?.isFinished == true else { return false }
      mutationLog?.append(
        .messageFannedOut(
          officialAccountID: inFlight.message.officialAccountID, seq: inFlight.message.seq))
      return true
    }
  }

  /// How many events of `type` the service has sent.
  public func eventCount(_ type: EventType) -> UInt64 {
    eventCounts[type.rawValue]
  }

  /// Sends a per-user event about a channel through the user's shard, after the channel's
  /// earlier deliveries.
  func sendEvent(
    _ type: EventType, _ envelope: [UInt8], toUser user: UInt32, channel: UInt32
  ) {
    sendEvent(type, SharedBytes(envelope), toUser: user, channel: channel)
  }

  /// Sends a per-user event whose envelope is already shared (one kept for every such event).
  func sendEvent(
    _ type: EventType, _ envelope: SharedBytes, toUser user: UInt32, channel: UInt32
  ) {
    eventCounts[type.rawValue] += 1
    pendingFanOut.addEvent(envelope, toUser: user, shard: index.shard(of: user), channel: channel)
  }

  /// Takes the next seq of a channel's stream (recovery passes the seq the journal recorded,
  /// which it has checked is the next one).
  func advanceSeq(_ number: UInt32, to seq: UInt64) {
    precondition(seq == nextSeq(number), "a gap in a channel's seq")
    channels[Int(number)]!.account.lastSeq = seq
  }

  /// Retains the channel's entry of the seq just taken.
  func appendToStream(
    _ number: UInt32, seq: UInt64, timeMs: Int64, kind: HistoryEntry.Kind, encoded: [UInt8]
  ) {
    precondition(seq == self[channel: number].account.lastSeq, "an entry without its seq")
    channels[Int(number)]!.history.append(
      HistoryEntry(seq: seq, timeMs: timeMs, kind: kind, encoded: encoded))
  }

  /// Sends a channel-wide entry to the channel's members, at once and behind the events
  /// gathered before it.
  @discardableResult
  func broadcast(_ type: EventType, _ number: UInt32, envelopes: BroadcastEnvelopes)
    -> BroadcastProgress
  {
    broadcast(type, to: index.members(of: number), envelopes: envelopes, channel: number)
  }

  /// Sends an entry to `members` (a deleted channel's last members, or its current ones).
  @discardableResult
  func broadcast(
    _ type: EventType, to members: ChannelMembers, envelopes: BroadcastEnvelopes,
    channel number: UInt32
  ) -> BroadcastProgress {
    let progress = pendingFanOut.addBroadcast(
      to: members, envelopes: envelopes, channel: number, onFinished: fanOut.broadcastFinished)
    submitPendingDeliveries()
    broadcastCount += 1
    eventCounts[type.rawValue] += 1
    return progress
  }

  /// The seq the channel's next stream entry gets.
  func nextSeq(_ number: UInt32) -> UInt64 {
    self[channel: number].account.lastSeq + 1
  }

  func newHistory() -> ChannelHistory {
    ChannelHistory(
      maxEntries: limits.historySize, maxBytes: limits.historyMaxBytes,
      maxAgeMs: limits.historyMaxAgeMs)
  }

  static func pageCursor(_ request: Request) throws(ChannelCastError) -> [UInt8]? {
    try request.bytes("cursor")?.bytes
  }
}

extension ChannelCastService {
  func ping() -> JSONObjectWriter {
    var result = JSONObjectWriter()
    result.add("version", Self.version)
    result.add("protocolVersion", Self.protocolVersion)
    return result
  }

  /// Applies new limits: to new requests, and the history retention to every channel now.
  public func updateLimits(_ newLimits: ServiceLimits) {
    let retentionChanged =
      newLimits.historySize != limits.historySize
      || newLimits.historyMaxBytes != limits.historyMaxBytes
      || newLimits.historyMaxAgeMs != limits.historyMaxAgeMs
    limits = newLimits
    guard retentionChanged else { return }
    let nowMs = clock.nowMilliseconds()
    for number in channels.indices where channels[number] != nil {
      channels[number]!.history.setRetention(
        maxEntries: limits.historySize, maxBytes: limits.historyMaxBytes,
        maxAgeMs: limits.historyMaxAgeMs, nowMs: nowMs)
    }
  }

  /// Stream entries sequenced and channel deletions broadcast.
  public var broadcasts: UInt64 { broadcastCount }

  /// How much the service holds, for logs.
  public var counts: (officialAccounts: Int, users: Int, subscriptions: Int) {
    (channelNumbers.count, index.directory.count, index.subscriptionCount)
  }

  func stats() -> JSONObjectWriter {
    var result = JSONObjectWriter()
    result.add("officialAccounts", channelNumbers.count)
    result.add("subscriptions", index.subscriptionCount)
    result.add("users", index.directory.count)
    result.add("broadcasts", broadcastCount)
    result.add("deliveriesSent", fanOut.deliveriesSent)
    result.add("deliveriesDropped", fanOut.deliveriesDropped)
    var depths = JSONArrayWriter()
    for depth in fanOut.queueDepths { depths.append(rawJSON: Array(String(depth).utf8)) }
    result.add("shardQueueDepths", array: depths)
    result.add("uptimeSeconds", (clock.nowMilliseconds() - startedAtMs) / 1000)
    return result
  }
}

extension ChannelCastService {
  /// The reply to a message that is not a single request frame, so never reaches `handle`.
  public static func malformedReply(_ message: String) -> [UInt8] {
    Reply.failure(id: Reply.nullID, error: ChannelCastError(.invalidArgument, message))
  }
}
