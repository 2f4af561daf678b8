import ChannelCastProtocol

/// A token bucket per channel for `sendMessage`: `burst` tokens, refilled at `ratePerSecond`.
/// Kept in memory only: after a restart every bucket starts full.
struct SendRateLimiter {
  private var buckets: [ByteString: (tokens: Double, atMs: Int64)] = [:]

  /// Takes a token for `channel` at `nowMs`; nil if it had one, else the milliseconds until it
  /// will.
  mutating func take(
    for channel: ByteString, nowMs: Int64, ratePerSecond: Double, burst: Int
  ) -> Int64? {
    let capacity = Double(max(burst, 1))
    var bucket = buckets[channel] ?? (capacity, nowMs)
    let refilled = Double(max(nowMs - bucket.atMs, 0)) / 1000 * ratePerSecond
    bucket = (min(capacity, bucket.tokens + refilled), nowMs)
    guard bucket.tokens >= 1 else {
      buckets[channel] = bucket
      return Int64(((1 - bucket.tokens) / ratePerSecond * 1000).rounded(.up))
    }
    bucket.tokens -= 1
    buckets[channel] = bucket
    return nil
  }

  /// Forgets a deleted channel's bucket.
  mutating func forget(_ channel: ByteString) {
    buckets[channel] = nil
  }
}
