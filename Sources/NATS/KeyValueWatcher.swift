import CNATS

/// Follows every key of a key-value bucket (`kvWatcher`): first each key's current value, then
/// each write as it happens.
///
/// Ownership: not Sendable; one thread reads. `stop()` may be called from another thread to
/// end a waiting `next` (the C client's watcher allows it).
public final class KeyValueWatcher {
  /// A key's value as written, with its revision.
  public struct Update: Sendable, Equatable {
    public let key: String
    public let value: [UInt8]
    public let revision: UInt64
    /// The key was deleted or purged (its value is empty).
    public let isDeletion: Bool
  }

  private let watcher: OpaquePointer
  /// Keeps the bucket (and its connection) alive while the watcher is.
  private let bucket: KeyValueBucket

  public init(bucket: KeyValueBucket) throws(NATSError) {
    var options = kvWatchOptions()
    kvWatchOptions_Init(&options)
    var watcher: OpaquePointer?
    try check(kvStore_WatchAll(&watcher, bucket.store, &options), "kvStore_WatchAll")
    guard let watcher else { throw NATSError(NATS_ERR, operation: "kvStore_WatchAll") }
    self.watcher = watcher
    self.bucket = bucket
  }

  deinit {
    kvWatcher_Stop(watcher)
    kvWatcher_Destroy(watcher)
  }

  /// The next update, waiting up to `timeoutMilliseconds`; nil when none came in that time (or
  /// the watcher only marked the end of the keys' initial values).
  public func next(timeoutMilliseconds: Int64) throws(NATSError) -> Update? {
    var entry: OpaquePointer?
    let status = kvWatcher_Next(&entry, watcher, timeoutMilliseconds)
    if status == NATS_TIMEOUT { return nil }
    try check(status, "kvWatcher_Next")
    guard let entry else { return nil }
    defer { kvEntry_Destroy(entry) }
    let count = Int(kvEntry_ValueLen(entry))
    let value =
      count == 0 ? [] : Array(UnsafeRawBufferPointer(start: kvEntry_Value(entry), count: count))
    let operation = kvEntry_Operation(entry)
    return Update(
      key: String(cString: kvEntry_Key(entry)), value: value, revision: kvEntry_Revision(entry),
      isDeletion: operation == kvOp_Delete || operation == kvOp_Purge)
  }
}
