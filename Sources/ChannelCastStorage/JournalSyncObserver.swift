/// Told after each successful fdatasync of a journal file how many of its bytes the sync
/// covered (what would survive a power loss) and how long it took. The daemon's metrics take
/// the time; the tests' file layer uses the length to throw away everything else and check
/// what each fsync policy promises.
public protocol JournalSyncObserver: AnyObject, Sendable {
  /// The first `length` bytes of the journal at `path` are on disk; the fdatasync took
  /// `duration`. Called on the thread that synced (the journal's owner or the `everysec`
  /// thread).
  func journalSynced(path: String, length: Int, duration: Duration)
}
