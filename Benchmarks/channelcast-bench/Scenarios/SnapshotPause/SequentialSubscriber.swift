import ChannelCastClient
import Histogram
import ZeroMQ

/// One client that subscribes new users one request at a time, each sent only once the
/// previous reply is in, for a fixed time, and times every round trip: what a user tapping
/// "subscribe" sees of a pause in the daemon's command path. (`PipelinedSubscriber` keeps many
/// requests in flight and measures throughput instead.)
///
/// Used on the thread that made it.
struct SequentialSubscriber {
  /// One of the slowest round trips of a measurement.
  struct SlowRoundTrip {
    /// Its place in the measurement: 0 for the first request. Requests journal the same number
    /// of bytes each, so the ones that start a snapshot come at a regular interval.
    let request: Int
    /// When it began, in seconds into the measurement.
    let start: Double
    let nanoseconds: UInt64
  }

  /// The round trips of one measurement.
  struct RoundTrips {
    /// Every round trip, in nanoseconds.
    var histogram = Histogram<UInt64>(
      highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
    /// How long the measurement took, from the first request to the last reply.
    var seconds = 0.0
    /// The slowest round trips, slowest first.
    var slowest: [SlowRoundTrip] = []

    var count: Int { Int(histogram.totalCount) }

    /// The round trip at `percentile`, in milliseconds.
    func milliseconds(atPercentile percentile: Double) -> Double {
      count == 0 ? .nan : Double(histogram.valueAtPercentile(percentile)) / 1e6
    }

    var maximumMilliseconds: Double { count == 0 ? .nan : Double(histogram.max) / 1e6 }

    /// How many round trips took at least `milliseconds`.
    func count(atLeastMilliseconds milliseconds: Double) -> Int {
      let nanoseconds = UInt64(milliseconds * 1e6)
      return Int(histogram.count(within: nanoseconds...max(histogram.max, nanoseconds)))
    }

    fileprivate mutating func record(start: UInt64, end: UInt64, origin: UInt64) {
      let nanoseconds = end - start
      let request = count
      histogram.record(nanoseconds)
      guard
        slowest.count < SequentialSubscriber.slowestKept
          || nanoseconds > slowest[slowest.count - 1].nanoseconds
      else { return }
      let entry = SlowRoundTrip(
        request: request, start: Double(start - origin) / 1e9, nanoseconds: nanoseconds)
      let position = slowest.firstIndex { $0.nanoseconds < nanoseconds } ?? slowest.count
      slowest.insert(entry, at: position)
      if slowest.count > SequentialSubscriber.slowestKept { slowest.removeLast() }
    }
  }

  /// How many of the slowest round trips a measurement keeps.
  static let slowestKept = 10

  private let connection: ChannelCastClient
  private let channelIDs: [String]
  private let userPrefix: String
  private var nextUser = 0

  /// Connects to `endpoint`. Users are named `<userPrefix><number>`, user n subscribing to
  /// `channelIDs[n % channelIDs.count]`; no user is sent twice, so every request subscribes a
  /// user the daemon has not seen.
  init(endpoint: String, context: ZMQContext, channelIDs: [String], userPrefix: String) throws {
    precondition(!channelIDs.isEmpty)
    connection = try ChannelCastClient(
      endpoint: endpoint, context: context, timeoutMilliseconds: 30_000)
    self.channelIDs = channelIDs
    self.userPrefix = userPrefix
  }

  /// Sends subscribes one at a time for `seconds`; throws on the first request that fails,
  /// or if a reply takes 30 s, or at the deadline.
  mutating func measure(seconds: Double, deadline: Deadline) throws -> RoundTrips {
    var roundTrips = RoundTrips()
    let origin = MonotonicClock.nanoseconds()
    let end = origin + UInt64(seconds * 1e9)
    var now = origin
    while now < end {
      if roundTrips.count % 1024 == 0 { try deadline.check() }
      let request = connection.request(.subscribeOfficialAccount) {
        $0.add("userID", userPrefix + String(nextUser))
        $0.add("officialAccountID", channelIDs[nextUser % channelIDs.count])
      }
      nextUser += 1
      let start = MonotonicClock.nanoseconds()
      try connection.send(request)
      let reply = try connection.receiveRawReply()
      now = MonotonicClock.nanoseconds()
      roundTrips.record(start: start, end: now, origin: origin)
      // Replies begin {"id":N,"ok":...}: looking at the head avoids parsing the channel info.
      if reply.prefix(40).firstRange(of: Self.success) == nil {
        throw BenchmarkError(
          "subscribeOfficialAccount failed: \(String(decoding: reply, as: UTF8.self))")
      }
    }
    roundTrips.seconds = Double(now - origin) / 1e9
    return roundTrips
  }

  private static let success = Array(#""ok":true"#.utf8)
}
