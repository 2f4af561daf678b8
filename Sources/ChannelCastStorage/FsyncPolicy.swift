/// When the journal asks the disk to make appended records durable (fdatasync), trading the
/// records a power loss can take against the time each commit waits.
public enum FsyncPolicy: String, CaseIterable, Sendable {
  /// Every commit waits for its records to reach the disk: nothing acknowledged is ever lost.
  /// Requests gathered into one commit share one sync (group commit).
  case always
  /// A background thread syncs once a second when something was written: a power loss takes
  /// at most about the last second; a crash of the daemon alone loses nothing.
  case everysec
  /// The operating system writes back when it likes: a power loss may take the last 30 s or
  /// so; a crash of the daemon alone loses nothing.
  case never
}
