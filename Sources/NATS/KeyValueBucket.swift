import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// A JetStream key-value bucket (`kvStore`): small values by key, each write numbered by a
/// revision. In nats-server 2.9 the revision check of `update` is checked by the stream's
/// leader only (see ../shared/NATS-NOTES.md): do not fence owners with it alone.
///
/// Ownership: the C client's store is thread-safe; `@unchecked Sendable` for that reason.
public final class KeyValueBucket: @unchecked Sendable {
  let store: OpaquePointer
  /// Keeps the connection alive while the store is.
  private let connection: NATSConnection

  /// Creates the bucket `name`, or binds to it when it exists.
  public init(
    connection: NATSConnection, name: String, replicas: Int = 1, history: UInt8 = 1,
    maxAgeMilliseconds: Int64 = 0
  ) throws(NATSError) {
    var config = kvConfig()
    kvConfig_Init(&config)
    let bucket = strdup(name)
    defer { free(bucket) }
    config.Bucket = UnsafePointer(bucket)
    config.Replicas = Int32(replicas)
    config.History = history
    config.TTL = maxAgeMilliseconds * 1_000_000  // the client passes it on as nanoseconds
    var store: OpaquePointer?
    let created = js_CreateKeyValue(&store, connection.jetStream, &config)
    if created != NATS_OK, js_KeyValue(&store, connection.jetStream, name) != NATS_OK {
      try check(created, "js_CreateKeyValue(\(name))")
    }
    guard let store else { throw NATSError(NATS_ERR, operation: "js_KeyValue(\(name))") }
    self.store = store
    self.connection = connection
  }

  deinit {
    kvStore_Destroy(store)
  }

  /// The key's value and revision; nil when the key has none.
  public func get(_ key: String) throws(NATSError) -> (value: [UInt8], revision: UInt64)? {
    var entry: OpaquePointer?
    let status = kvStore_Get(&entry, store, key)
    if status == NATS_NOT_FOUND { return nil }
    try check(status, "kvStore_Get(\(key))")
    guard let entry else { return nil }
    defer { kvEntry_Destroy(entry) }
    let count = Int(kvEntry_ValueLen(entry))
    let value =
      count == 0 ? [] : Array(UnsafeRawBufferPointer(start: kvEntry_Value(entry), count: count))
    return (value, kvEntry_Revision(entry))
  }

  /// Writes the key's value; returns the write's revision.
  @discardableResult
  public func put(_ key: String, _ value: [UInt8]) throws(NATSError) -> UInt64 {
    var revision: UInt64 = 0
    let status = value.withUnsafeBytes {
      kvStore_Put(&revision, store, key, $0.baseAddress, Int32($0.count))
    }
    try check(status, "kvStore_Put(\(key))")
    return revision
  }

  /// Writes the key's value only if the key has none; returns the revision, or nil when the
  /// key already had a value (then nothing was written).
  public func create(_ key: String, _ value: [UInt8]) throws(NATSError) -> UInt64? {
    var revision: UInt64 = 0
    let status = value.withUnsafeBytes {
      kvStore_Create(&revision, store, key, $0.baseAddress, Int32($0.count))
    }
    if status == NATS_OK { return revision }
    // The key exists: what the server says then is a failed expected-sequence check.
    if try get(key) != nil { return nil }
    try check(status, "kvStore_Create(\(key))")
    return revision
  }
}
