import ChannelCastCore

/// Rates over the time since the previous reading.
struct ThroughputWindow {
  struct Rates {
    var broadcasts: Int
    var deliveries: Int
    var drops: Int

    var isBusy: Bool { broadcasts > 0 || deliveries > 0 || drops > 0 }
    var summary: String {
      "\(deliveries) deliveries/s, \(broadcasts) broadcasts/s, \(drops) drops/s"
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
    func rate(_ from: UInt64, _ to: UInt64) -> Int { Int((Double(to - from) / seconds).rounded()) }
    return Rates(
      broadcasts: rate(last.broadcasts, now.broadcasts), deliveries: rate(last.sent, now.sent),
      drops: rate(last.dropped, now.dropped))
  }
}
