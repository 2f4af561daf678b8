import ChannelCastCore
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// Everything an operator can set. Defaults come first, a TOML file (`--config`) overrides them,
/// and command-line flags override the file.
public struct DaemonConfiguration: Sendable, Equatable {
  /// Where publishers send commands (a ROUTER socket).
  public var commandEndpoint = "tcp://127.0.0.1:7701"
  /// Where gateways receive deliveries (an XPUB socket).
  public var deliveryEndpoint = "tcp://127.0.0.1:7702"
  /// Deliveries queued per consumer before fan-out waits for it.
  public var deliveryHighWaterMark = 10_000
  /// Fan-out shards (serial queues); a user always lands on the same one.
  public var shards = DaemonConfiguration.processorCount
  /// Seconds a clean shutdown waits for fan-outs in flight.
  public var shutdownTimeoutSeconds = 30
  /// Service limits: default `maxSubscriberCount`, history retention, payload size.
  public var limits = ServiceLimits()
  public var logLevel = Logger.Level.info

  public init() {}

  /// The number of online processors, at least 1.
  public static var processorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }
}

/// A configuration key that could not be accepted, and why.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
  /// The key at fault (camelCase as in the file), or nil for the file as a whole.
  public let key: String?
  public let reason: String
  /// Where the value came from: a file path or "command line".
  public var source: String?

  public init(key: String?, reason: String, source: String? = nil) {
    self.key = key
    self.reason = reason
    self.source = source
  }

  public var description: String {
    let origin = source.map { "\($0): " } ?? ""
    return key.map { "\(origin)\($0): \(reason)" } ?? "\(origin)\(reason)"
  }
}
