import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads and applies the configuration on each SIGHUP, as a `Service` of the daemon's group
/// (the last, so the first to stop). A configuration that does not load is rejected with its
/// reason, and the running one stays.
struct ConfigurationReload: Service, CustomStringConvertible {
  let signals: UnixSignalsSequence
  let logger: Logger
  /// Loads the configuration and applies it; throws why it was rejected.
  let reload: @Sendable () throws -> Void

  var description: String { "configuration reload" }

  func run() async throws {
    for await _ in signals.cancelOnGracefulShutdown() {
      logger.notice("SIGHUP: reloading the configuration")
      do {
        try reload()
      } catch {
        logger.error(
          "reload rejected; the running configuration stays in force",
          metadata: ["reason": "\(error)"])
      }
    }
  }
}
