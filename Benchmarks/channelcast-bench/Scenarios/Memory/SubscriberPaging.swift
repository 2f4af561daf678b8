import ChannelCastProtocol

/// Pages one channel end to end with `getSubscribers` through the command socket, one request
/// at a time, as a client listing a channel's subscribers would: what one page costs the
/// command thread is what it holds every other request back. Subscribers per second are over
/// the round trips (request sent to reply frame received), so that this client's own decoding
/// and checking of each page, done between them, does not count.
///
/// As many `ping` round trips follow, timed the same way: the same run's floor for one round
/// trip through this client, the socket and the command thread. A page's worst case above the
/// pings' worst case is the page's own; the rest is the machine (on 2 shared cores a thread
/// is now and then held off the processor for milliseconds).
struct SubscriberPaging {
  /// The most a page may hold (the protocol's limit).
  static let pageLimit = 1000

  let subscribers: Int
  let pages: Int
  /// The sum of the page round trips.
  let seconds: Double
  /// Round-trip times of the pages, in milliseconds.
  let pageMilliseconds: [Double]
  /// Round-trip times of as many pings, sent right after the pages, in milliseconds.
  let pingMilliseconds: [Double]

  /// Pages `channel` from its start until `nextCursor` is null and checks that every subscriber
  /// came exactly once, in strictly increasing user ID order.
  init(channel: String, expectedSubscribers: Int, population: Population) throws {
    var cursor: [UInt8]?
    var count = 0
    var times: [Double] = []
    times.reserveCapacity(expectedSubscribers / Self.pageLimit + 1)
    var seconds = 0.0
    repeat {
      let request = population.client.request(.getSubscribers) {
        $0.add("officialAccountID", channel)
        $0.add("limit", Self.pageLimit)
        if let cursor { $0.add("cursor", utf8: cursor) }
      }
      // Timed: the request and its reply frame, not this client's decoding and checking.
      let pageStart = MonotonicClock.nanoseconds()
      try population.client.send(request)
      let frame = try population.client.receiveRawReply()
      let pageSeconds = MonotonicClock.seconds(since: pageStart)
      seconds += pageSeconds
      times.append(pageSeconds * 1000)
      guard let result = try JSONParser.parseObject(frame)["result"]?.objectMembers,
        let page = result["subscribers"]?.arrayElements
      else {
        throw BenchmarkError("getSubscribers failed: \(String(decoding: frame, as: UTF8.self))")
      }
      for subscriber in page {
        guard let userID = subscriber.objectMembers?["userID"]?.stringBytes else {
          throw BenchmarkError("getSubscribers replied with a subscriber without a userID")
        }
        if let cursor, !cursor.lexicographicallyPrecedes(userID) {
          throw BenchmarkError("getSubscribers pages are not in increasing userID order")
        }
        cursor = userID
        count += 1
      }
      if result["nextCursor"]?.isNull ?? true { break }
    } while true
    self.seconds = seconds
    guard count == expectedSubscribers else {
      throw BenchmarkError(
        "paging \(channel) returned \(count) subscribers; it holds \(expectedSubscribers)")
    }
    subscribers = count
    pages = times.count
    pageMilliseconds = times
    pingMilliseconds = try (0..<times.count).map { _ in
      let request = population.client.request(.ping)
      let pingStart = MonotonicClock.nanoseconds()
      try population.client.send(request)
      _ = try population.client.receiveRawReply()
      return MonotonicClock.seconds(since: pingStart) * 1000
    }
  }

  func record(label: String, into recorder: inout RunRecorder) {
    recorder.record(
      "\(label): getSubscribers pages of \(Self.pageLimit), subscribers per second",
      Double(subscribers) / seconds, unit: "1/s")
    Self.recordRoundTrips(
      pageMilliseconds, named: "\(label): getSubscribers page round trip", into: &recorder)
    Self.recordRoundTrips(
      pingMilliseconds, named: "\(label): ping round trip (as many, same run)", into: &recorder)
  }

  private static func recordRoundTrips(
    _ milliseconds: [Double], named name: String, into recorder: inout RunRecorder
  ) {
    let sorted = milliseconds.sorted()
    recorder.record("\(name), median", sorted[sorted.count / 2], unit: "ms")
    recorder.record(
      "\(name), p99", sorted[min(sorted.count - 1, sorted.count * 99 / 100)], unit: "ms")
    recorder.record("\(name), max", sorted[sorted.count - 1], unit: "ms")
  }
}
