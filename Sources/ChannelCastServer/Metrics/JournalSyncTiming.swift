import ChannelCastStorage

/// Passes the journal's fdatasync times to the metrics.
final class JournalSyncTiming: JournalSyncObserver {
  private let metrics: DaemonMetrics

  init(metrics: DaemonMetrics) {
    self.metrics = metrics
  }

  func journalSynced(path: String, length: Int, duration: Duration) {
    metrics.recordJournalSync(duration)
  }
}
