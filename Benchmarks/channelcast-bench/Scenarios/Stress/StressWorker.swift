import ChannelCastProtocol
import Foundation
import Synchronization
import ZeroMQ

/// One stream of the stress load on its own thread and DEALER: sends its traffic's requests at
/// a fixed rate (an open loop, at most `window` unanswered) while the schedule runs, then waits
/// up to `drainSeconds` for the last replies, and checks every reply against its request.
///
/// The DEALER is used directly rather than through `ChannelCastClient`, because bad requests
/// include frames a client would never send. Replies are matched by `id`: a reply with
/// `"id": null` goes to the oldest unanswered request whose id cannot be read (a connection's
/// replies come back in the order its requests were sent).
final class StressWorker: Sendable {
  let name: String
  private let done = DispatchSemaphore(value: 0)
  private let outcome = Mutex<Result<StressTally, BenchmarkError>?>(nil)
  private let sentCount = Atomic<Int>(0)
  private let answeredCount = Atomic<Int>(0)

  /// A request sent and not yet answered.
  private struct Pending {
    let number: Int
    let request: StressRequest
    let sentAt: UInt64
  }

  /// The bytes of the `id` of a reply to a request whose id cannot be read.
  private static let nullID: [UInt8] = Array("null".utf8)

  init(
    name: String, traffic: some StressTraffic, rate: Double, window: Int,
    endpoint: String, context: ZMQContext, schedule: StressSchedule, drainSeconds: Double
  ) {
    self.name = name
    let thread = Thread { [self] in
      defer { done.signal() }
      let result: Result<StressTally, BenchmarkError>
      do {
        var traffic = traffic
        result = .success(
          try run(
            &traffic, rate: rate, window: window, endpoint: endpoint, context: context,
            schedule: schedule, drainSeconds: drainSeconds))
      } catch {
        result = .failure(BenchmarkError("stress worker \(name): \(error)"))
      }
      outcome.withLock { $0 = result }
    }
    thread.name = "bench.stress-\(name)"
    thread.start()
  }

  /// Requests sent and answered so far, for progress lines.
  var progress: (sent: Int, answered: Int) {
    (sentCount.load(ordering: .relaxed), answeredCount.load(ordering: .relaxed))
  }

  /// Waits for the thread to finish and returns what it counted.
  func finish() throws -> StressTally {
    done.wait()
    done.signal()
    guard let result = outcome.withLock({ $0 }) else {
      throw BenchmarkError("stress worker \(name) ended without a result")
    }
    return try result.get()
  }

  private func run(
    _ traffic: inout some StressTraffic, rate: Double, window: Int, endpoint: String,
    context: ZMQContext, schedule: StressSchedule, drainSeconds: Double
  ) throws -> StressTally {
    let socket = try Socket(context: context, type: .dealer)
    defer { socket.close() }
    try socket.setOption(.linger, 0)
    // The window bounds what waits: libzmq's own limit (1000 by default, reached early since
    // the reader returns credit in batches) would refuse requests before the window is full.
    try socket.setOption(.sendHighWaterMark, 0)
    try socket.connect(endpoint)
    var tally = StressTally()
    var pending: [[UInt8]: Pending] = [:]
    var awaitingNullID: [Pending] = []
    var nullIDHead = 0
    var made = 0
    let interval = 1e9 / rate

    func receiveAvailable() throws {
      while let frames = try socket.receiveMultipart(dontWait: true) {
        answeredCount.add(1, ordering: .relaxed)
        // Every request starts with the empty delimiter, so every reply must too.
        guard frames.count == 2, frames[0].isEmpty else {
          tally.malformedReplies += 1
          tally.note(
            "a reply of \(frames.count) frames, not the delimiter and one: "
              + String(decoding: (frames.last ?? []).prefix(300), as: UTF8.self), kind: "reply")
          continue
        }
        try check(
          frames[1], pending: &pending, awaitingNullID: &awaitingNullID,
          nullIDHead: &nullIDHead, traffic: &traffic, tally: &tally)
      }
    }

    while !schedule.isOver {
      let now = MonotonicClock.nanoseconds()
      let due = schedule.start + UInt64(Double(made) * interval)
      let unanswered = pending.count + awaitingNullID.count - nullIDHead
      if now >= due && unanswered < window {
        let request = traffic.nextRequest(number: made)
        made += 1
        guard try socket.sendMultipart(request.frames, dontWait: true) else {
          tally.refusedSends += 1
          continue
        }
        let entry = Pending(
          number: made - 1, request: request, sentAt: MonotonicClock.nanoseconds())
        tally.sent(request)
        sentCount.add(1, ordering: .relaxed)
        if let id = request.replyID { pending[id] = entry } else { awaitingNullID.append(entry) }
        continue
      }
      try receiveAvailable()
      let wait = now >= due ? 5 : min(Int((due - now) / 1_000_000), 20)
      _ = try Poller.poll([(socket, .readable)], timeoutMilliseconds: wait)
    }

    // A daemon that went away answers nothing more: do not wait the full time for it.
    let drain = Deadline(
      "replies after the load", seconds: schedule.wasStoppedEarly ? 5 : drainSeconds)
    while pending.count + awaitingNullID.count > nullIDHead && !drain.hasPassed {
      try receiveAvailable()
      _ = try Poller.poll([(socket, .readable)], timeoutMilliseconds: 20)
    }
    try receiveAvailable()
    let left = pending.values.map { $0 } + awaitingNullID[nullIDHead...]
    for entry in left.sorted(by: { $0.number < $1.number }) {
      tally.unanswered(
        entry.request, sentAfterSeconds: Double(entry.sentAt - schedule.start) / 1e9)
    }
    return tally
  }

  /// Matches one reply to its request and counts it.
  private func check(
    _ body: [UInt8], pending: inout [[UInt8]: Pending], awaitingNullID: inout [Pending],
    nullIDHead: inout Int, traffic: inout some StressTraffic, tally: inout StressTally
  ) throws {
    let excerpt = String(decoding: body.prefix(300), as: UTF8.self)
    guard let reply = try? JSONParser.parseObject(body), let ok = reply["ok"]?.boolValue,
      let id = reply["id"]
    else {
      tally.malformedReplies += 1
      tally.note("a reply that is not a JSON object with id and ok: \(excerpt)", kind: "reply")
      return
    }
    let entry: Pending
    if Array(id.bytes) == Self.nullID {
      guard nullIDHead < awaitingNullID.count else {
        tally.unmatchedReplies += 1
        tally.note("a reply with id null and no request waiting for one: \(excerpt)", kind: "reply")
        return
      }
      entry = awaitingNullID[nullIDHead]
      nullIDHead += 1
      tally.nullIDReplies += 1
      // Forget the answered ones now and then: bad requests are up to 64 KiB each.
      if nullIDHead >= 256 && nullIDHead * 2 >= awaitingNullID.count {
        awaitingNullID.removeFirst(nullIDHead)
        nullIDHead = 0
      }
    } else {
      guard let match = pending.removeValue(forKey: Array(id.bytes)) else {
        tally.unmatchedReplies += 1
        tally.note("a reply whose id matches no request waiting: \(excerpt)", kind: "reply")
        return
      }
      entry = match
    }
    let result = reply["result"]?.objectMembers
    let error = reply["error"]?.objectMembers
    let code = ok ? "ok" : error?["code"]?.stringValue ?? "(no error code)"
    let problem = Self.problem(
      with: entry.request, code: code, result: result, error: error, excerpt: excerpt)
    tally.answered(entry.request, code: code, problem: problem)
    tally.replied(entry.request, afterNanoseconds: MonotonicClock.nanoseconds() - entry.sentAt)
    guard problem == nil, code == "ok" else { return }
    switch entry.request.announcement {
    case .none: break
    case .messages:
      let count = Int(result?["recipientCount"]?.int64Value ?? 0)
      tally.announcedDeliveries["message", default: 0] += count
    case .subscriberMessage: tally.announcedDeliveries["subscriberMessage", default: 0] += 1
    }
    traffic.learn(number: entry.number, code: code, result: result)
  }

  /// What is wrong with a reply to `request`, or nil when it is what the protocol promises.
  private static func problem(
    with request: StressRequest, code: String, result: JSONObject?, error: JSONObject?,
    excerpt: String
  ) -> String? {
    guard request.expectedCodes.contains(code) else {
      return "replied \(code), expected \(request.expectedCodes.sorted().joined(separator: " or "))"
        + ": \(excerpt)"
    }
    switch request.check {
    case .none:
      return nil
    case .sameMessage(let msgKey, let seq):
      guard code == "ok" else { return nil }
      let same =
        result?["msgKey"]?.stringValue == msgKey && result?["seq"]?.int64Value == seq
      return same
        ? nil
        : "a retry got another message than the first send (\(msgKey), seq \(seq))"
          + ": \(excerpt)"
    case .duplicateOf(let msgKey):
      let named = error?["details"]?.objectMembers?["msgKey"]?.stringValue
      return code != "duplicate" || named == msgKey
        ? nil : "duplicate names msgKey \(named ?? "none"), expected \(msgKey): \(excerpt)"
    case .recallResults:
      guard code == "ok" else { return nil }
      let codes = (result?["results"]?.arrayElements ?? []).map {
        $0.objectMembers?["resultCode"]?.stringValue ?? "?"
      }
      return !codes.isEmpty && codes.allSatisfy({ $0 == "ok" || $0 == "not_found" })
        ? nil : "recall results \(codes): \(excerpt)"
    }
  }
}
