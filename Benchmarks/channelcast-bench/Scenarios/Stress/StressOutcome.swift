import Foundation
import Histogram

/// Everything one stress run found, the checks it makes, and the report.
struct StressOutcome {
  let tally: StressTally
  let deliveries: StressDeliveryLog
  let samples: [StressMemoryWatch.Sample]
  /// The sample taken after the load, once the fan-out had drained.
  let drained: StressMemoryWatch.Sample
  let referenceSeconds: Double
  let loadSeconds: Double
  /// Why the load stopped before its time, if it did.
  let stoppedEarly: String?
  let ending: StressEnding
  let droppedBefore: Int
  /// False for a daemon at --endpoint, whose memory cannot be read.
  let memoryIsWatched: Bool

  private static let mebibyte = Double(1 << 20)

  /// The sample the end is compared with: the first at or after the reference time.
  private var reference: StressMemoryWatch.Sample? {
    samples.first { $0.seconds >= referenceSeconds - 0.5 && $0.residentBytes != nil }
  }

  /// The last sample taken while the load ran (at its end, unless it stopped early).
  private var end: StressMemoryWatch.Sample? { samples.last { $0.residentBytes != nil } }

  /// End over reference; nil unless the load ran its full time.
  private var growth: Double? {
    guard stoppedEarly == nil, let start = reference?.residentBytes,
      let end = end?.residentBytes, start > 0
    else {
      return nil
    }
    return Double(end) / Double(start)
  }

  private var dropped: Int? { ending.deliveriesDropped.map { $0 - droppedBefore } }

  /// Each check: what it asks and whether it was met (nil: could not be measured).
  private var checks: [(String, Bool?)] {
    let totals = tally.totals
    var checks: [(String, Bool?)] = [
      ("the load ran its full time", stoppedEarly == nil),
      ("the daemon is alive at the end (answers ping)", ending.answersPing),
      ("it is the same process as at the start", ending.sameProcess),
      ("every request answered", totals.unanswered == 0 && tally.refusedSends == 0),
      (
        "every reply matched exactly one request",
        tally.unmatchedReplies == 0 && tally.malformedReplies == 0
      ),
      ("every reply as the protocol promises", totals.answeredUnexpectedly == 0),
      ("no delivery dropped (stats)", dropped.map { $0 == 0 }),
    ]
    for type in ["message", "subscriberMessage"] {
      checks.append(
        (
          "every announced \(type) delivery received",
          ending.answersPing
            ? deliveries.count(type) == tally.announcedDeliveries[type, default: 0] : nil
        ))
    }
    if memoryIsWatched {
      checks.append(
        (
          "RSS at the end within \(Int(StressCommand.memoryGrowthLimit * 100))% of the reference",
          growth.map { $0 <= 1 + StressCommand.memoryGrowthLimit }
        ))
    }
    return checks
  }

  /// The checks that were not met or could not be measured.
  var failedChecks: [String] {
    checks.filter { $0.1 != true }.map { "\($0.0): \($0.1 == nil ? "not measured" : "not met")" }
  }

  func report(settings: [String: String], notes: [String]) -> Report {
    let totals = tally.totals
    let bad = tally.kinds.filter { Self.isBad($0.key) }.values
      .reduce(0) { $0 + $1.sent }
    var figures: [(String, Double?, String)] = [
      ("load duration", loadSeconds, "s"),
      ("requests sent", Double(totals.sent), "count"),
      ("good requests sent", Double(totals.sent - bad), "count"),
      ("bad requests sent", Double(bad), "count"),
      ("requests answered", Double(totals.answered), "count"),
      ("requests unanswered", Double(totals.unanswered), "count"),
      ("replies other than the protocol promises", Double(totals.answeredUnexpectedly), "count"),
      ("requests whose id cannot be read", Double(tally.unreadableIDRequests), "count"),
      ("replies with id null (matched to those)", Double(tally.nullIDReplies), "count"),
      (
        "replies matching no request, or malformed",
        Double(tally.unmatchedReplies + tally.malformedReplies), "count"
      ),
      ("requests libzmq refused to queue", Double(tally.refusedSends), "count"),
      ("requests answered per second", Double(totals.answered) / loadSeconds, "1/s"),
      (
        "request → reply p99, all requests",
        Double(totals.replyMicroseconds.valueAtPercentile(99)) / 1000, "ms"
      ),
      ("request → reply max, all requests", Double(totals.replyMicroseconds.max) / 1000, "ms"),
      ("deliveries received", Double(deliveries.total), "count"),
      ("dropped deliveries (stats)", dropped.map(Double.init), "count"),
    ]
    let referenceLabel =
      "RSS at \(Self.format(reference?.seconds ?? referenceSeconds)) s (reference)"
    figures += [
      (referenceLabel, reference?.residentBytes.map { Double($0) / Self.mebibyte }, "MiB"),
      (
        "RSS at the end of the load (\(Self.format(end?.seconds ?? loadSeconds)) s)",
        end?.residentBytes.map { Double($0) / Self.mebibyte }, "MiB"
      ),
      ("RSS end / reference", growth, "×"),
      (
        "RSS highest sample",
        samples.compactMap(\.residentBytes).max().map { Double($0) / Self.mebibyte }, "MiB"
      ),
      (
        "RSS after the fan-out drained", drained.residentBytes.map { Double($0) / Self.mebibyte },
        "MiB"
      ),
      (
        "queued deliveries, highest sample",
        samples.compactMap(\.queuedDeliveries).max().map(Double.init), "count"
      ),
      ("daemon alive and answering ping at the end", ending.answersPing ? 1 : 0, "1 = yes"),
      ("same process as at the start", ending.sameProcess.map { $0 ? 1 : 0 }, "1 = yes"),
    ]
    var allNotes = notes
    allNotes += checks.map {
      "check: \($0.0): \($0.1.map { $0 ? "met" : "NOT MET" } ?? "not measured")"
    }
    if let stoppedEarly { allNotes.append("the load stopped early: \(stoppedEarly)") }
    if let exit = ending.exit { allNotes.append("channelcastd \(exit)") }
    allNotes += ending.problems
    allNotes += tally.problems.map { "problem: \($0.text)" }
    return Report(
      scenario: "stress", runs: 1, settings: settings,
      figures: figures.map { Figure(name: $0.0, unit: $0.2, values: [$0.1 ?? .nan]) },
      tables: [requestTable, deliveryTable, memoryTable], notes: allNotes)
  }

  private var requestTable: Report.Table {
    // Good requests first, then bad ones, each by name.
    let kinds = tally.kinds.sorted {
      (Self.isBad($0.key) ? 1 : 0, $0.key) < (Self.isBad($1.key) ? 1 : 0, $1.key)
    }
    var rows = kinds.map { kind, counts in
      [
        kind, String(counts.sent), String(counts.answered), String(counts.answeredAsExpected),
        String(counts.answeredUnexpectedly), String(counts.unanswered),
        Self.replyTimes(counts.replyMicroseconds),
        counts.codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(
          separator: ", "),
      ]
    }
    let totals = tally.totals
    rows.append([
      "**all**", String(totals.sent), String(totals.answered), String(totals.answeredAsExpected),
      String(totals.answeredUnexpectedly), String(totals.unanswered),
      Self.replyTimes(totals.replyMicroseconds), "",
    ])
    return Report.Table(
      title: "Requests by kind",
      columns: [
        "kind", "sent", "answered", "as promised", "otherwise", "unanswered",
        "reply p50 / p99 / max (ms)", "replies by code",
      ],
      rows: rows)
  }

  private var deliveryTable: Report.Table {
    var rows = StressDeliveryLog.types.map { type in
      [
        type, String(deliveries.count(type)),
        tally.announcedDeliveries[type].map(String.init) ?? "–",
      ]
    }
    rows.append(["(no known type)", String(deliveries.unrecognized), "0"])
    return Report.Table(
      title: "Deliveries by type", columns: ["type", "received", "announced by replies"],
      rows: rows)
  }

  private var memoryTable: Report.Table {
    let start = reference?.residentBytes
    func row(_ label: String, _ sample: StressMemoryWatch.Sample) -> [String] {
      var ratio = "–"
      if let bytes = sample.residentBytes, let start {
        ratio = Self.format(Double(bytes) / Double(start))
      }
      return [
        label, sample.residentBytes.map { Self.format(Double($0) / Self.mebibyte) } ?? "–", ratio,
        sample.queuedDeliveries.map(String.init) ?? "–",
        sample.subscriptions.map(String.init) ?? "–",
        sample.officialAccounts.map(String.init) ?? "–", sample.dataDirectory ?? "–",
      ]
    }
    return Report.Table(
      title: "Daemon samples",
      columns: [
        "time (s)", "RSS (MiB)", "÷ reference", "queued deliveries", "subscriptions", "channels",
        "data directory",
      ],
      rows: samples.map { row(Self.format($0.seconds), $0) } + [row("after drain", drained)])
  }

  private static func format(_ value: Double) -> String { Report.format(value) }

  private static func replyTimes(_ histogram: Histogram<UInt64>) -> String {
    guard histogram.totalCount > 0 else { return "–" }
    return [histogram.valueAtPercentile(50), histogram.valueAtPercentile(99), histogram.max].map {
      format(Double($0) / 1000)
    }.joined(separator: " / ")
  }

  private static func isBad(_ kind: String) -> Bool { kind.hasPrefix(StressRequest.badPrefix) }
}
