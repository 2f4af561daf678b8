import ChannelCastCore
import Foundation

/// Rates over the time since the previous reading.
struct ThroughputWindow {
  struct Rates {
    var broadcasts: Double
    var deliveries: Double
    var drops: Double
    /// Whether anything moved in the window.
    var isBusy: Bool

    var summary: String {
      "\(Self.format(deliveries)) deliveries/s, \(Self.format(broadcasts)) broadcasts/s, "
        + "\(Self.format(drops)) drops/s"
    }

    static func format(_ rate: Double) -> String {
      rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }
  }

  private let fanOut: FanOut
  private let broadcasts: @Sendable () -> UInt64
  private var last: (at: ContinuousClock.Instant, broadcasts: UInt64, sent: UInt64, dropped: UInt64)

  init(fanOut: FanOut, broadcasts: @escaping @Sendable () -> UInt64) {
    self.fanOut = fanOut
    self.broadcasts = broadcasts
    last = (.now, broadcasts(), fanOut.deliveriesSent, fanOut.deliveriesDropped)
  }

  mutating func advance() -> Rates {
    let now = (
      at: ContinuousClock.now, broadcasts: broadcasts(), sent: fanOut.deliveriesSent,
      dropped: fanOut.deliveriesDropped
    )
    let seconds = max(Double((now.at - last.at) / .milliseconds(1)) / 1000, 0.001)
    defer { last = now }
    return Rates(
      broadcasts: Double(now.broadcasts - last.broadcasts) / seconds,
      deliveries: Double(now.sent - last.sent) / seconds,
      drops: Double(now.dropped - last.dropped) / seconds,
      isBusy: now.broadcasts != last.broadcasts || now.sent != last.sent
        || now.dropped != last.dropped)
  }
}
