/// One megacast run as the harness saw it, and the report's figures for it. What arrived is
/// measured, whatever is missing: the figures then describe the deliveries that did arrive, and
/// `note` says so.
struct MegacastRun {
  /// The figure `compare` sets beside the raw ceiling and Redis.
  static let rateFigure = "deliveries/s (request → last delivery)"
  /// The same for gateway batches: recipients counted in the batches.
  static let batchedRateFigure = "recipients/s (request → last recipient)"

  let subscribers: Int
  /// Monotonic nanoseconds of the request, its reply, and the last delivery (0 if none came).
  let requested: UInt64
  let replied: UInt64
  let lastDelivery: UInt64
  /// Users that received nothing.
  let missing: Int
  /// Deliveries to a user that had already received this run's message.
  let duplicated: Int
  /// Deliveries whose topic is no subscriber of the channel.
  let strangers: Int
  /// How much the daemon's `deliveriesDropped` grew during the run.
  let dropped: Int
  /// Whether the users were counted in gateway batches rather than per-user deliveries.
  var batched = false

  var isExactlyOnce: Bool { missing == 0 && duplicated == 0 && strangers == 0 }

  func record(into recorder: inout RunRecorder) {
    let received = subscribers - missing
    let anyArrived = lastDelivery != 0
    let last = batched ? "last recipient" : "last delivery"
    recorder.record(
      batched ? Self.batchedRateFigure : Self.rateFigure,
      anyArrived ? Double(received) / (Double(lastDelivery - requested) / 1e9) : .nan,
      unit: batched ? "recipients/s" : "deliveries/s")
    // Signed: with few subscribers the last delivery may arrive before the reply.
    recorder.record(
      "reply → \(last)",
      anyArrived ? (Double(lastDelivery) - Double(replied)) / 1e6 : .nan, unit: "ms")
    recorder.record("request → reply", Double(replied - requested) / 1e6, unit: "ms")
    recorder.record(
      "missing (subscribers − distinct users received)", Double(missing), unit: "count")
    recorder.record("duplicated (a user's second delivery)", Double(duplicated), unit: "count")
    recorder.record("dropped (the daemon's deliveriesDropped)", Double(dropped), unit: "count")
  }

  /// What the figures of run `number` leave out, or nil when every user received its delivery
  /// exactly once.
  func note(number: Int, waitedSeconds: Double) -> String? {
    guard !isExactlyOnce else { return nil }
    var note =
      "run \(number): \(missing) of \(subscribers) users received nothing within "
      + "\(Int(waitedSeconds)) s, \(duplicated) deliveries were duplicates, \(strangers) went "
      + "to topics outside the channel; the daemon dropped \(dropped)"
    if missing > 0 {
      note +=
        "; its deliveries/s and reply → last delivery count the \(subscribers - missing) that "
        + "arrived"
    }
    return note
  }
}
