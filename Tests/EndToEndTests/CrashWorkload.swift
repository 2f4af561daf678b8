import ChannelCastClient
import ChannelCastProtocol
import Foundation

/// The crash test's publisher: pipelines a seeded random mix of mutations against a few
/// channels and users, checks every reply against the model, and keeps the model of what the
/// replies acknowledged.
///
/// **What must survive a crash.** The daemon handles requests one at a time, in order, and
/// appends each one's records to the journal before its reply goes out; a kill -9 loses nothing
/// the OS was given, except that recovery cuts off a record the kill tore in half. So the state
/// after a restart is the state after some prefix of the journal's records: all the records of
/// every acknowledged request (the test read its reply), then the records of the requests in
/// flight (sent, not answered) up to some record. Within one request that can end between two
/// of its records (a batch subscribe or a recall of several keys keeps a part). `recover(from:)`
/// builds each of those states from the model and requires the daemon to show one of them:
/// none of the acknowledged requests lost, nothing half-applied except at that single cut, and
/// nothing in the wrong order. The test then goes on from the state found.
struct CrashWorkload {
  /// Few channels and users, so that requests collide: every operation meets channels that
  /// were deleted and created again, users who unsubscribed, messages already recalled.
  static let channelIDs = (0..<5).map { "@TOA#_crash\($0)" }
  /// Mostly plain IDs, one with a space and one outside ASCII.
  static let userIDs = (0..<28).map { "user\($0)" } + ["user 28", "usér-29"]

  /// What the acknowledged requests made.
  private(set) var acknowledged = CrashModel()
  /// The highest seq a reply has shown for each channel ID: a new message's seq must exceed it.
  private var highestAcknowledgedSeq: [String: Int] = [:]
  /// Sent and not answered yet, oldest first.
  private var pending: [(request: WorkloadRequest, timing: RequestTiming)] = []
  /// `acknowledged` with `pending` applied: what the next request is chosen against.
  private var predicted = CrashModel()
  private var requests: RandomRequests
  /// How many requests may be in flight.
  private let window: Int

  init(seed: UInt64) {
    requests = RandomRequests(seed: seed)
    window = requests.window()
  }

  /// A delay drawn from the round's sequence, for the moment of the next kill.
  mutating func killDelay() -> Duration {
    requests.killDelay()
  }

  /// Sends requests, never more than `window` unanswered, and checks each reply, until
  /// `deadline`. Returns with requests still in flight: the caller kills the daemon then.
  mutating func run(with client: ChannelCastClient, until deadline: ContinuousClock.Instant)
    throws
  {
    while ContinuousClock.now < deadline {
      if pending.count < window {
        let request = requests.next(against: predicted)
        let timing = RequestTiming(sentAtMs: RequestTiming.nowMilliseconds)
        try predicted.apply(request, timing: timing)
        try client.sendJSON(request.op, request.fields)
        pending.append((request, timing))
      } else {
        try acknowledge(client.receiveJSON())
      }
    }
  }

  /// Finds the state the restarted daemon shows among the states its journal can hold (see
  /// the type's documentation), learns the values it did not know from it, and forgets the
  /// requests in flight: the ones the state does not hold are lost, which is allowed.
  mutating func recover(from observed: ObservedState) throws {
    var candidate = acknowledged
    var candidates = [candidate]
    for (request, timing) in pending {
      var whole = candidate
      let records = try whole.apply(request, timing: timing)
      for recordLimit in 1..<max(records, 1) {
        var part = candidate
        try part.apply(request, timing: timing, recordLimit: recordLimit)
        candidates.append(part)
      }
      candidate = whole
      candidates.append(whole)
    }
    guard
      let match = candidates.first(where: {
        $0.difference(from: observed, ids: Self.channelIDs) == nil
      })
    else {
      let ids = Self.channelIDs
      let acknowledgedOnly = acknowledged.difference(from: observed, ids: ids) ?? "-"
      let everyRequest = candidate.difference(from: observed, ids: ids) ?? "-"
      throw ModelMismatch(
        description: """
          the recovered state is none of the \(candidates.count) states the journal can hold \
          (\(pending.count) requests were in flight).
          Against the acknowledged requests: \(acknowledgedOnly)
          Against every request sent: \(everyRequest)
          In flight: \(pending.map { "\($0.request.op) \($0.request.fields)" })
          Recovered: \(observed)
          """)
    }
    acknowledged = match.learning(from: observed)
    predicted = acknowledged
    pending = []
  }

  /// After a restart: every channel takes a new message, whose seq must exceed every seq
  /// acknowledged before (a deleted channel is created again first, and continues its seq),
  /// and a retry of a `clientMsgID` sent before the crash gets that message's reply again.
  mutating func probe(with client: ChannelCastClient) throws {
    for id in Self.channelIDs {
      if acknowledged.channels[id] == nil {
        try call(requests.create(id), with: client)
      }
      try call(requests.probeMessage(id), with: client)
      let retries = acknowledged.channels[id]!.clientMsgIDs.sorted { $0.key < $1.key }.prefix(2)
      for (clientMsgID, sent) in retries {
        try call(.send(id: id, payload: sent.payload, clientMsgID: clientMsgID), with: client)
      }
    }
  }

  private mutating func call(_ request: WorkloadRequest, with client: ChannelCastClient) throws {
    let timing = RequestTiming(sentAtMs: RequestTiming.nowMilliseconds)
    try predicted.apply(request, timing: timing)
    pending.append((request, timing))
    try client.sendJSON(request.op, request.fields)
    try acknowledge(client.receiveJSON())
  }

  /// Checks the reply to the oldest request in flight and applies that request to the model.
  private mutating func acknowledge(_ reply: JSONReply) throws {
    var (request, timing) = pending.removeFirst()
    timing.repliedAtMs = RequestTiming.nowMilliseconds
    let records = try acknowledged.apply(request, timing: timing, reply: reply)
    let id = request.officialAccountID
    let highest = highestAcknowledgedSeq[id] ?? 0
    if case .send = request, records == 1, let seq = reply.result["seq"] as? Int {
      guard seq > highest else {
        throw ModelMismatch(description: "a new message of \(id) took seq \(seq) again")
      }
      if let msgKey = reply.result["msgKey"] as? String {
        predicted.channels[id]?.learnKey(msgKey, ofSeq: seq)
      }
    }
    let seq = reply.result["seq"] as? Int ?? reply.result["lastSeq"] as? Int ?? 0
    highestAcknowledgedSeq[id] = max(highest, seq)
  }
}

extension ModelChannel {
  /// Fills in the `msgKey` of the message of `seq` once its reply has told it.
  fileprivate mutating func learnKey(_ msgKey: String, ofSeq seq: Int) {
    guard let position = history.firstIndex(where: { entrySeq($0) == seq }),
      case .message(_, nil, let time, let payload, let recalled) = history[position]
    else { return }
    history[position] = .message(
      seq: seq, msgKey: msgKey, sendTimeMs: time, payload: payload, recalled: recalled)
  }
}
