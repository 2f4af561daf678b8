import Foundation

/// Channel sizes that follow Zipf's law, as official accounts do: a few channels hold most
/// subscribers, most channels hold a few.
enum ZipfPopularity {
  /// Sizes of `channels` channels, the channel of rank r (from 1) weighted 1 / r^exponent,
  /// scaled so the sizes add up to about `total` with none above `cap` (a capped channel's
  /// excess goes to the others, in proportion) and none below 1.
  static func channelSizes(channels: Int, total: Int, exponent: Double, cap: Int) -> [Int] {
    precondition(channels >= 1 && total <= channels * cap, "the channels cannot hold \(total)")
    let weights = (1...channels).map { 1 / pow(Double($0), exponent) }
    func capped(_ scale: Double) -> [Double] { weights.map { min($0 * scale, Double(cap)) } }
    // The capped sum grows with the scale; find the scale that gives `total` by bisection.
    var low = 0.0
    var high = Double(cap) / weights[channels - 1]
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if capped(middle).reduce(0, +) < Double(total) { low = middle } else { high = middle }
    }
    return capped(high).map { max(1, Int($0.rounded())) }
  }
}
