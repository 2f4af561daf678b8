import ChannelCastCore
import Foundation
import Logging

/// A thread that watches the serving daemon: it pings the systemd watchdog (`WATCHDOG=1`) at
/// half the unit's `WatchdogSec=` while every thread makes progress (`Liveness`), and every
/// 10 seconds logs the throughput (when anything moved) and reports it as the unit's `STATUS=`.
/// Its thread, `cc-monitor`, is owned and ended by the monitor's `DaemonPartService`.
enum DaemonMonitor {
  private static let throughputPeriod = Duration.seconds(10)

  static func start(
    notifier: SystemdNotifier, watchdogInterval: Duration?, liveness: Liveness, fanOut: FanOut,
    broadcasts: @escaping @Sendable () -> UInt64, logger: Logger
  ) throws -> DedicatedThread {
    try DedicatedThread.start(
      name: "cc-monitor", setUp: {},
      serve: { _, thread in
        var throughput = ThroughputWindow(fanOut: fanOut, broadcasts: broadcasts)
        let pingPeriod = watchdogInterval.map { $0 / 2 }
        var nextPing = ContinuousClock.now
        var nextReport = ContinuousClock.now + Self.throughputPeriod
        while !thread.isStopRequested {
          let now = ContinuousClock.now
          if let pingPeriod, now >= nextPing {
            if liveness.madeProgress() {
              notifier.notify("WATCHDOG=1")
            } else {
              logger.error("a thread made no progress; not pinging the systemd watchdog")
            }
            nextPing = now + pingPeriod
          }
          if now >= nextReport {
            let rates = throughput.advance()
            if rates.isBusy {
              logger.info(
                "throughput",
                metadata: [
                  "broadcastsPerSecond": "\(ThroughputWindow.Rates.format(rates.broadcasts))",
                  "deliveriesPerSecond": "\(ThroughputWindow.Rates.format(rates.deliveries))",
                  "dropsPerSecond": "\(ThroughputWindow.Rates.format(rates.drops))",
                ])
            }
            notifier.notify("STATUS=serving: \(rates.summary)")
            nextReport = now + Self.throughputPeriod
          }
          Thread.sleep(forTimeInterval: 0.1)
        }
      })
  }
}
