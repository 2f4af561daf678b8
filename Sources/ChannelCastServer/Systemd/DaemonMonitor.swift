import ChannelCastCore
import Foundation
import Logging
import Synchronization

/// A thread that watches the serving daemon: it pings the systemd watchdog (`WATCHDOG=1`) at
/// half the unit's `WatchdogSec=` while every thread makes progress (`Liveness`), and every
/// 10 seconds logs the throughput (when anything moved) and reports it as the unit's `STATUS=`.
final class DaemonMonitor: Sendable {
  private static let throughputPeriod = Duration.seconds(10)
  private static let tick = Duration.milliseconds(100)

  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)

  init(
    notifier: SystemdNotifier, watchdogInterval: Duration?, liveness: Liveness, fanOut: FanOut,
    broadcasts: @escaping @Sendable () -> UInt64, logger: Logger
  ) {
    Thread { [self] in
      Thread.current.name = "cc-monitor"
      var throughput = ThroughputWindow(fanOut: fanOut, broadcasts: broadcasts)
      let pingPeriod = watchdogInterval.map { $0 / 2 }
      var nextPing = ContinuousClock.now
      var nextReport = ContinuousClock.now + Self.throughputPeriod
      while !stopRequested.load(ordering: .relaxed) {
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
      finished.signal()
    }.start()
  }

  /// Stops the thread and waits for it.
  func stop() {
    guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
    finished.wait()
  }
}
