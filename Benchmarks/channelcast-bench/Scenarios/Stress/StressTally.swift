import Histogram

/// What one stress worker counted: requests by kind and what became of them, the replies it
/// could not match to a request, and the deliveries the replies announced. Workers' tallies
/// are added up for the report.
struct StressTally: Sendable {
  /// The requests of one kind.
  struct Counts: Sendable {
    var sent = 0
    /// Answered with a reply the protocol promises for the request.
    var answeredAsExpected = 0
    /// Answered, but with another code or result than the protocol promises.
    var answeredUnexpectedly = 0
    var unanswered = 0
    /// Replies by code (`ok` or the error code).
    var codes: [String: Int] = [:]
    /// Microseconds from sending each request to its reply: a kind that is slow to answer
    /// (a parser gone quadratic) shows here.
    var replyMicroseconds = Histogram<UInt64>(
      highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)

    var answered: Int { answeredAsExpected + answeredUnexpectedly }

    mutating func add(_ other: Counts) {
      sent += other.sent
      answeredAsExpected += other.answeredAsExpected
      answeredUnexpectedly += other.answeredUnexpectedly
      unanswered += other.unanswered
      codes.merge(other.codes, uniquingKeysWith: +)
      replyMicroseconds.add(other.replyMicroseconds)
    }
  }

  /// Problems kept for the report, at most this many per kind.
  static let examplesPerKind = 3

  private(set) var kinds: [String: Counts] = [:]
  /// Requests sent whose `id` the daemon cannot read, and the replies with `"id": null`
  /// matched to them.
  private(set) var unreadableIDRequests = 0
  var nullIDReplies = 0
  /// Replies that matched no request sent and not yet answered (a second reply, or a wrong id).
  var unmatchedReplies = 0
  /// Reply frames that were not a JSON object with `ok`.
  var malformedReplies = 0
  /// Requests libzmq would not queue (the daemon gone, or its socket full): not counted as sent.
  var refusedSends = 0
  /// Deliveries the successful replies announced, by envelope type.
  var announcedDeliveries: [String: Int] = [:]
  /// Examples of what went wrong, for the report: the kind of request and what happened.
  private(set) var problems: [(kind: String, text: String)] = []

  var totals: Counts {
    kinds.values.reduce(into: Counts()) { $0.add($1) }
  }

  mutating func sent(_ request: StressRequest) {
    kinds[request.kind, default: Counts()].sent += 1
    if request.replyID == nil { unreadableIDRequests += 1 }
  }

  mutating func answered(_ request: StressRequest, code: String, problem: String?) {
    kinds[request.kind, default: Counts()].codes[code, default: 0] += 1
    if let problem {
      kinds[request.kind, default: Counts()].answeredUnexpectedly += 1
      note("\(request.kind): \(problem); request \(request.excerpt())", kind: request.kind)
    } else {
      kinds[request.kind, default: Counts()].answeredAsExpected += 1
    }
  }

  mutating func replied(_ request: StressRequest, afterNanoseconds wait: UInt64) {
    _ = kinds[request.kind, default: Counts()].replyMicroseconds.record(wait / 1000)
  }

  /// Counts a request that got no reply; the time it was sent (seconds into the load) tells
  /// which came first when the daemon went away.
  mutating func unanswered(_ request: StressRequest, sentAfterSeconds seconds: Double) {
    kinds[request.kind, default: Counts()].unanswered += 1
    note(
      "\(request.kind): no reply to the request sent at \(String(format: "%.3f", seconds)) s: "
        + request.excerpt(), kind: request.kind)
  }

  /// Keeps an example of a problem unless its kind has enough already.
  mutating func note(_ problem: String, kind: String) {
    guard problems.count(where: { $0.kind == kind }) < Self.examplesPerKind else { return }
    problems.append((kind, problem))
  }

  mutating func add(_ other: StressTally) {
    for (kind, counts) in other.kinds { kinds[kind, default: Counts()].add(counts) }
    unreadableIDRequests += other.unreadableIDRequests
    nullIDReplies += other.nullIDReplies
    unmatchedReplies += other.unmatchedReplies
    malformedReplies += other.malformedReplies
    refusedSends += other.refusedSends
    announcedDeliveries.merge(other.announcedDeliveries, uniquingKeysWith: +)
    for problem in other.problems { note(problem.text, kind: problem.kind) }
  }
}
