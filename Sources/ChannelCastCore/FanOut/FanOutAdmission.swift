import ChannelCastProtocol

/// Decides whether the fan-out can take another request that fans out to a channel's
/// subscribers: the bound on the work between the command thread and the shards.
///
/// While more deliveries are pending than `maxPendingDeliveries` (accepted and not yet handed to
/// the delivery socket: those in the shards and those gathered for them), such a request is
/// refused as `overloaded` and changes nothing, so that a slow consumer under `block` holds up
/// publishers instead of the daemon's memory growing without limit. Per-user operations and
/// reads are never refused: their deliveries are one user's each.
///
/// Ownership: a value of the command thread's `ChannelCastService`.
struct FanOutAdmission {
  /// Bounds of the `retryAfterMs` estimate.
  static let shortestRetryMs = 10
  static let longestRetryMs = 10_000

  /// The delivery total and time of the last estimate of how fast the shards drain.
  private var lastSample: (handed: UInt64, atMs: Int64)?
  /// Deliveries handed over per millisecond, as last measured over at least 100 ms.
  private var drainPerMs = 0.0

  /// Throws `overloaded` when `pending` is over `limit`. `handedSoFar` (deliveries sent and
  /// dropped since start) and `nowMs` estimate how long the excess takes to drain.
  mutating func admit(pending: Int, limit: Int, handedSoFar: UInt64, nowMs: Int64)
    throws(ChannelCastError)
  {
    guard pending > limit else { return }
    if let last = lastSample {
      let elapsed = nowMs - last.atMs
      if elapsed >= 100 {
        drainPerMs = Double(handedSoFar &- last.handed) / Double(elapsed)
        lastSample = (handedSoFar, nowMs)
      }
    } else {
      lastSample = (handedSoFar, nowMs)
    }
    let excess = Double(pending - limit)
    let retryMs =
      drainPerMs > 0
      ? min(max(Int((excess / drainPerMs).rounded(.up)), Self.shortestRetryMs), Self.longestRetryMs)
      : 1000
    throw ChannelCastError(
      .overloaded,
      "\(pending) deliveries are waiting for consumers; the limit is \(limit) "
        + "(maxPendingDeliveries): retry after about \(retryMs) ms",
      details: .init(limit: limit, pendingDeliveries: pending, retryAfterMs: retryMs))
  }
}
