import ChannelCastProtocol

/// The protocol's request handling: decides what each request changes, journals it, applies
/// it, and hands out what it causes.
///
/// A request that changes something goes through three steps:
/// 1. **decide**: the request is checked against the state (`ChannelCastState`, read only) and
///    yields either an error reply or the journal records it causes, with everything that is
///    not deterministic fixed inside them: times, msgKeys, seqs, subscribe times, generated IDs.
/// 2. the records are appended to the `MutationLog` (committed, with the rest of the run's,
///    before any of their effects leaves the process), and **applied** to the state;
/// 3. what the state answers for each record (numbers, encoded stream entries) becomes the
///    reply's result and the deliveries handed to the fan-out.
/// A request that yields several records (a batch subscribe, a recall of several messages)
/// decides and applies them one at a time, so that each is decided against the state its
/// predecessors left. Reads are decided against the state and change nothing.
///
/// Besides the state, the service keeps what only deciding needs (the msgKey generator, the
/// send-rate buckets, the fan-out admission: none of it is journaled or replicated) and what
/// the effects need (deliveries gathered for the shards, fan-out progress, counters).
///
/// Ownership: not thread-safe. Exactly one thread (the daemon's command thread) calls `handle`
/// and owns the state. The fan-out it submits to is thread-safe.
public final class ChannelCastService {
  public static let version = "0.1.0"
  public static let protocolVersion = 1

  /// What requests are decided against and records applied to.
  public let state: ChannelCastState
  private(set) var limits: ServiceLimits
  let fanOut: FanOut
  let clock: any TimeSource
  /// Where every record is written before its effects show; nil in tests that keep nothing.
  let log: (any MutationLog)?
  /// The daemon's file operations (`backup`); nil where there are no files.
  let administration: (any ServiceAdministration)?
  /// A cluster node's `ping` object (its name, the live nodes, its partitions); nil outside a
  /// cluster.
  public var clusterStatus: (() -> JSONObjectWriter)?
  /// A cluster node's `stats` object (partitions owned, replication lag, takeovers, forwarded
  /// requests); nil outside a cluster.
  public var clusterStatistics: (() -> JSONObjectWriter)?

  // Deciding's own state: not journaled, not in snapshots; a restart starts it afresh.
  var identifiers = IdentifierGenerator()
  /// Each channel's `sendMessage` token bucket (when a rate is set).
  var sendRates = SendRateLimiter()
  /// Refuses requests that fan out to a channel while too many deliveries are pending.
  private var admission = FanOutAdmission()

  // The effects'.
  /// Deliveries caused by the requests handled since the last `submitPendingDeliveries()`.
  var pendingFanOut: PendingFanOut
  /// With an `OrderedMutationLog`: deliveries of committed records, each batch with the
  /// position of its last record, held until `releaseDeliveries(through:)` reaches it.
  private var heldDeliveries: [(position: UInt64, jobs: PendingFanOut)] = []
  /// The fan-outs this process started of the state's unfinished messages, oldest first.
  var fanOutsInProgress: [MessageFanOut] = []
  var broadcastCount: UInt64 = 0
  /// Events sent, by `EventType` (a broadcast counts once, whatever its recipients).
  private var eventCounts = [UInt64](repeating: 0, count: EventType.allCases.count)
  /// The first commit the log refused: from then on nothing is applied, delivered or
  /// acknowledged, and `finishRun()` throws it.
  public private(set) var journalFailure: (any Error)?
  let startedAtMs: Int64

  /// A message's fan-out under way, and which unfinished message of the state it is.
  struct MessageFanOut {
    let officialAccountID: ByteString
    let seq: UInt64
    let progress: BroadcastProgress
  }

  /// A service deciding against `state`, which recovery may have filled, and applying to it.
  public init(
    state: ChannelCastState, limits: ServiceLimits, fanOut: FanOut,
    log: (any MutationLog)? = nil, administration: (any ServiceAdministration)? = nil,
    clock: any TimeSource = SystemTimeSource()
  ) {
    precondition(state.index.shardCount == fanOut.shardCount, "one shard count for both")
    self.state = state
    self.limits = limits
    self.fanOut = fanOut
    self.log = log
    self.administration = administration
    self.clock = clock
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
  public func handle(_ frame: [UInt8], as role: Role = .admin) -> HandledRequest {
    handle(frame[...], as: role)
  }

  /// Handles one request frame given as a slice, such as a view into a receive buffer: the
  /// frame's bytes are only read, never kept. A request outside `role` gets
  /// `permission_denied` and changes nothing.
  public func handle(_ frame: ArraySlice<UInt8>, as role: Role = .admin) -> HandledRequest {
    let fields: JSONObject
    do {
      fields = try JSONParser.parseObject(frame)
    } catch {
      return HandledRequest(
        reply: Reply.failure(
          id: Reply.nullID,
          error: ChannelCastError(.invalidArgument, "the request is not valid JSON: \(error)")),
        outcome: RequestOutcome(op: .none, error: .invalidArgument))
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
      return HandledRequest(
        reply: Reply.success(id: id, result: result), outcome: RequestOutcome(op: op, error: nil))
    } catch {
      return HandledRequest(
        reply: Reply.failure(id: id, error: error),
        outcome: RequestOutcome(op: op, error: error.code))
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
    if let journalFailure {
      throw ChannelCastError(
        .internal, "the journal cannot be written (\(journalFailure)); the daemon is stopping")
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

  // MARK: Effects

  var nowSeconds: Int64 { clock.nowMilliseconds() / 1000 }

  /// The number of an existing channel, or `not_found`.
  func channelNumber(_ id: ByteString) throws(ChannelCastError) -> UInt32 {
    guard let number = state.channels.number(of: id) else { throw .accountNotFound(id) }
    return number
  }

  /// Ends a run of requests: journals the fan-outs that have finished, commits the journal,
  /// and hands the gathered deliveries to the shards. Call it before sending the run's replies,
  /// and now and then when idle. Throws the journal's failure, after which the run's replies
  /// must not be sent (what they acknowledge is not in the journal).
  public func finishRun() throws {
    journalFinishedFanOuts()
    submitPendingDeliveries()
    if let journalFailure { throw journalFailure }
  }

  /// Commits the journal, then hands the deliveries gathered since the last call to the
  /// fan-out shards: nothing leaves the process before its record is in the journal. If the
  /// commit fails, the deliveries are dropped and nothing is handed to the shards again.
  func submitPendingDeliveries() {
    guard journalFailure == nil else {
      pendingFanOut = PendingFanOut(shardCount: fanOut.shardCount)
      return
    }
    do {
      try log?.commit()
    } catch {
      journalFailure = error
      pendingFanOut = PendingFanOut(shardCount: fanOut.shardCount)
      return
    }
    guard !pendingFanOut.isEmpty else { return }
    if let position = (log as? any OrderedMutationLog)?.lastCommitPosition {
      heldDeliveries.append((position, pendingFanOut))
      pendingFanOut = PendingFanOut(shardCount: fanOut.shardCount)
      return
    }
    fanOut.submit(&pendingFanOut)
  }

  /// With an `OrderedMutationLog`: hands the shards what is gathered, then the held deliveries
  /// of the records up to `position`, which the log has now applied, in order.
  public func releaseDeliveries(through position: UInt64) {
    submitPendingDeliveries()
    while let first = heldDeliveries.first, first.position <= position {
      var jobs = first.jobs
      fanOut.submit(&jobs)
      heldDeliveries.removeFirst()
    }
  }

  /// Journals the fan-outs that have finished (`messageFannedOut`), which the state then
  /// forgets.
  private func journalFinishedFanOuts() {
    guard journalFailure == nil, fanOutsInProgress.contains(where: \.progress.isFinished) else {
      return
    }
    fanOutsInProgress.removeAll { fanOut in
      guard fanOut.progress.isFinished else { return false }
      let (id, seq) = (fanOut.officialAccountID, fanOut.seq)
      record(.messageFannedOut(officialAccountID: id, seq: seq))
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
    pendingFanOut.addEvent(
      envelope, toUser: user, shard: state.shard(of: user), channel: channel,
      mark: mark(of: channel))
  }

  /// The mark of what the channel sends now: its ID and last seq.
  private func mark(of channel: UInt32) -> DeliveryMark {
    DeliveryMark(
      officialAccountID: state.channels.officialAccountID(of: channel),
      seq: state.channels.lastSeq(of: channel))
  }

  /// Sends a channel-wide entry to the channel's members, at once and behind the events
  /// gathered before it.
  @discardableResult
  func broadcast(
    _ type: EventType, _ number: UInt32, envelopes: BroadcastEnvelopes,
    onlyUsers: DeliveryScope.Partitions? = nil
  ) -> BroadcastProgress {
    broadcast(
      type, to: state.index.members(of: number), envelopes: envelopes, channel: number,
      mark: mark(of: number), onlyUsers: onlyUsers)
  }

  /// Sends an entry to `members` (a deleted channel's last members, or its current ones).
  @discardableResult
  func broadcast(
    _ type: EventType, to members: ChannelMembers, envelopes: BroadcastEnvelopes,
    channel number: UInt32, mark: DeliveryMark, onlyUsers: DeliveryScope.Partitions? = nil
  ) -> BroadcastProgress {
    let progress = pendingFanOut.addBroadcast(
      to: members, envelopes: envelopes, channel: number, mark: mark, onlyUsers: onlyUsers,
      onFinished: fanOut.broadcastFinished)
    submitPendingDeliveries()
    broadcastCount += 1
    eventCounts[type.rawValue] += 1
    return progress
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
    if let clusterStatus { result.add("cluster", object: clusterStatus()) }
    return result
  }

  /// Applies new limits: to new requests, and the history retention to every channel now.
  public func updateLimits(_ newLimits: ServiceLimits) {
    limits = newLimits
    state.setRetention(HistoryRetention(newLimits), nowMs: clock.nowMilliseconds())
  }

  /// Stream entries sequenced and channel deletions broadcast.
  public var broadcasts: UInt64 { broadcastCount }

  func stats() -> JSONObjectWriter {
    let counts = state.counts
    var result = JSONObjectWriter()
    result.add("officialAccounts", counts.officialAccounts)
    result.add("subscriptions", counts.subscriptions)
    result.add("users", counts.users)
    result.add("broadcasts", broadcastCount)
    result.add("deliveriesSent", fanOut.deliveriesSent)
    result.add("deliveriesDropped", fanOut.deliveriesDropped)
    var depths = JSONArrayWriter()
    for depth in fanOut.queueDepths { depths.append(rawJSON: Array(String(depth).utf8)) }
    result.add("shardQueueDepths", array: depths)
    result.add("uptimeSeconds", (clock.nowMilliseconds() - startedAtMs) / 1000)
    if let clusterStatistics { result.add("cluster", object: clusterStatistics()) }
    return result
  }
}

extension ChannelCastService {
  /// An error reply to `frame`, echoing its `id` when it has one: for a request the service
  /// does not handle (a cluster node that cannot have it decided).
  public static func errorReply(to frame: ArraySlice<UInt8>, _ error: ChannelCastError)
    -> [UInt8]
  {
    let id = (try? JSONParser.parseObject(frame))?["id"]?.bytes ?? Reply.nullID
    return Reply.failure(id: id, error: error)
  }

  /// The reply to a message that is not a single request frame, so never reaches `handle`.
  public static func malformedReply(_ message: String) -> [UInt8] {
    Reply.failure(id: Reply.nullID, error: ChannelCastError(.invalidArgument, message))
  }
}
