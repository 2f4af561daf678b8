import ChannelCastCore
import Synchronization

/// Whether the daemon's threads are making progress, for the systemd watchdog: the command
/// thread goes round its loop at least every 100 ms, and the fan-out either has nothing to
/// do, runs rounds, or waits on consumers' back-pressure (the delivery socket retries its
/// send every 100 ms). A thread stuck anywhere else stops the pings, and systemd restarts
/// the daemon.
final class Liveness: Sendable {
  private let fanOut: FanOut
  private let commandLoopTurns: @Sendable () -> UInt64
  private let backPressureWaits: @Sendable () -> UInt64
  private let last = Mutex<(command: UInt64, rounds: UInt64, waits: UInt64)?>(nil)

  init(
    fanOut: FanOut, commandLoopTurns: @escaping @Sendable () -> UInt64,
    backPressureWaits: @escaping @Sendable () -> UInt64
  ) {
    self.fanOut = fanOut
    self.commandLoopTurns = commandLoopTurns
    self.backPressureWaits = backPressureWaits
  }

  /// Whether everything moved since the last call (the first call only takes a reading and
  /// answers true). Called by one thread, the watchdog's.
  func madeProgress() -> Bool {
    let now = (command: commandLoopTurns(), rounds: fanOut.roundsRun, waits: backPressureWaits())
    guard
      let before = last.withLock({ last in
        defer { last = now }
        return last
      })
    else {
      return true
    }
    let commandAlive = now.command != before.command
    let fanOutIdle = fanOut.queueDepths.allSatisfy { $0 == 0 }
    let fanOutAlive = fanOutIdle || now.rounds != before.rounds || now.waits != before.waits
    return commandAlive && fanOutAlive
  }
}
