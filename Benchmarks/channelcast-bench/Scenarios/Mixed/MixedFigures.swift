import Histogram

/// Turns one mixed run (what the sender and the consumer saw) into the report's figures.
struct MixedFigures {
  let broadcasts: [MixedBroadcaster.Broadcast]
  let results: MixedDeliveryLog.Results
  /// Deliveries the replies announced (the sum of `recipientCount`).
  let expected: Int

  func record(into recorder: inout RunRecorder, daemonDropped: Int, largestLag: UInt64) {
    for (label, histogram) in [
      ("all channels", results.latency),
      ("channels ≤ \(MixedCommand.smallChannelLimit)", results.smallChannelLatency),
    ] {
      for (name, percentile) in [("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)] {
        recorder.record(
          "latency \(name), \(label)", Self.milliseconds(histogram, percentile), unit: "ms")
      }
      recorder.record(
        "latency max, \(label)",
        histogram.totalCount == 0 ? .nan : Double(histogram.max) / 1000, unit: "ms")
    }

    var toFirst: [Double] = []
    var toLast: [Double] = []
    var requestToReply: [Double] = []
    for broadcast in broadcasts {
      requestToReply.append(Double(broadcast.replied - broadcast.requested) / 1e6)
      let key = MixedDeliveryLog.key(channel: broadcast.channel, seq: broadcast.seq)
      guard broadcast.recipientCount > 0, let arrivals = results.arrivals(key: key) else {
        continue
      }
      // Signed: a delivery may arrive before the reply does.
      toFirst.append((Double(arrivals.first) - Double(broadcast.replied)) / 1e6)
      if arrivals.count == broadcast.recipientCount {
        toLast.append((Double(arrivals.last) - Double(broadcast.replied)) / 1e6)
      }
    }
    for (name, values) in [
      ("request → reply", requestToReply), ("reply → first delivery", toFirst),
      ("reply → last delivery", toLast),
    ] {
      let sorted = values.sorted()
      recorder.record("\(name) p50", Self.percentile(sorted, 50), unit: "ms")
      recorder.record("\(name) p99", Self.percentile(sorted, 99), unit: "ms")
    }

    let firstRequest = broadcasts.first?.requested ?? 0
    let lastRequest = broadcasts.last?.requested ?? 0
    let lastArrival = results.arrivals.map(\.last).max() ?? firstRequest
    recorder.record(
      "broadcasts/s sent",
      Double(broadcasts.count - 1) / (Double(lastRequest - firstRequest) / 1e9), unit: "1/s")
    recorder.record(
      "deliveries/s (first request → last delivery)",
      Double(results.messages) / (Double(lastArrival - firstRequest) / 1e9), unit: "1/s")
    recorder.record("deliveries expected", Double(expected), unit: "count")
    recorder.record(
      "missing (expected − received)", Double(expected - results.messages), unit: "count")
    recorder.record("dropped (daemon stats)", Double(daemonDropped), unit: "count")
    recorder.record(
      "broadcasts not complete", Double(broadcasts.count - toLast.count - empty), unit: "count")
    recorder.record("sender lag max", Double(largestLag) / 1e6, unit: "ms")
  }

  private var empty: Int { broadcasts.filter { $0.recipientCount == 0 }.count }

  private static func milliseconds(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
    histogram.totalCount == 0 ? .nan : Double(histogram.valueAtPercentile(percentile)) / 1000
  }

  /// The nearest-rank percentile of sorted values.
  private static func percentile(_ sorted: [Double], _ percentile: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
  }
}
