import Logging
import Synchronization

/// The daemon's log level, shared by every log handler it makes, so that a reload can change
/// it while the daemon runs.
public final class LogLevelControl: Sendable {
  private let levelIndex: Atomic<Int>

  public init(_ level: Logger.Level) {
    levelIndex = Atomic(Self.index(of: level))
  }

  public var level: Logger.Level {
    get { Logger.Level.allCases[levelIndex.load(ordering: .relaxed)] }
    set { levelIndex.store(Self.index(of: newValue), ordering: .relaxed) }
  }

  private static func index(of level: Logger.Level) -> Int {
    Logger.Level.allCases.firstIndex(of: level)!
  }
}

/// Writes to standard error like swift-log's `StreamLogHandler`, at the level a
/// `LogLevelControl` holds now.
public struct ReloadableLogHandler: LogHandler {
  private var stream: StreamLogHandler
  private let control: LogLevelControl

  public init(label: String, control: LogLevelControl) {
    stream = StreamLogHandler.standardError(label: label)
    stream.logLevel = .trace  // the control decides what is written
    self.control = control
  }

  public var logLevel: Logger.Level {
    get { control.level }
    set { control.level = newValue }
  }

  public var metadata: Logger.Metadata {
    get { stream.metadata }
    set { stream.metadata = newValue }
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { stream[metadataKey: key] }
    set { stream[metadataKey: key] = newValue }
  }

  public func log(event: LogEvent) {
    stream.log(event: event)
  }
}
