import ChannelCastCore
import Foundation
import NATS

/// Where the cluster keeps its snapshots: in JetStream, since the C client has no object
/// store. A snapshot's bytes go in chunks to a stream of their own (`CHANNELCAST_SNAPSHOTS`,
/// subject `channelcast.snapshot.<logSequence>`), replicated like the log; once every chunk
/// is acknowledged, a manifest naming them goes under the key `snapshot` of the cluster's
/// settings bucket, and the chunks of the snapshots before the one it replaced are purged
/// (the two latest stay: a node may be reading the one replaced). A snapshot is there for a
/// reader only once its manifest is: a writer that stops half-way leaves chunks that no
/// manifest names, purged with a later snapshot.
///
/// Ownership: a writer (`ClusterSnapshotWriter`'s thread) and readers (a starting node) use
/// separate instances; the connection is thread-safe.
public struct ClusterSnapshotStore: Sendable {
  /// What the settings bucket holds about the latest snapshot.
  public struct Manifest: Sendable, Equatable {
    /// The stream sequence of the last log entry the snapshot holds.
    public let logSequence: UInt64
    /// The snapshot stream's sequence of the first chunk.
    public let firstChunk: UInt64
    public let chunks: Int
    public let bytes: Int
    /// FNV-1a (64 bits) of the bytes.
    public let hash: UInt64

    /// `logSequence=… firstChunk=… chunks=… bytes=… hash=…`: readable in the bucket.
    func encoded() -> [UInt8] {
      Array(
        ("logSequence=\(logSequence) firstChunk=\(firstChunk) chunks=\(chunks) bytes=\(bytes) "
          + "hash=\(String(hash, radix: 16))").utf8)
    }

    static func decode(_ value: [UInt8]) -> Manifest? {
      var fields: [Substring: Substring] = [:]
      for field in String(decoding: value, as: UTF8.self).split(separator: " ") {
        let parts = field.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { fields[parts[0]] = parts[1] }
      }
      guard let logSequence = fields["logSequence"].flatMap({ UInt64($0) }),
        let firstChunk = fields["firstChunk"].flatMap({ UInt64($0) }),
        let chunks = fields["chunks"].flatMap({ Int($0) }),
        let bytes = fields["bytes"].flatMap({ Int($0) }),
        let hash = fields["hash"].flatMap({ UInt64($0, radix: 16) })
      else { return nil }
      return Manifest(
        logSequence: logSequence, firstChunk: firstChunk, chunks: chunks, bytes: bytes,
        hash: hash)
    }
  }

  public static let streamName = "CHANNELCAST_SNAPSHOTS"
  public static let subjectPrefix = "channelcast.snapshot"
  static let manifestKey = "snapshot"
  /// The most bytes of a chunk: under NATS's default `max_payload` (1 MiB).
  public static let defaultChunkBytes = 512 * 1024

  let connection: NATSConnection
  let bucket: KeyValueBucket
  let chunkBytes: Int
  /// How long a chunk's publish is retried while no stream leader answers.
  let publishPatience: Duration

  /// Creates the snapshot stream (with `replicas`) if it does not exist; `bucket` holds the
  /// manifest (the cluster's settings bucket).
  public init(
    connection: NATSConnection, bucket: KeyValueBucket, replicas: Int,
    chunkBytes: Int = defaultChunkBytes, publishPatience: Duration = .seconds(60)
  ) throws(NATSError) {
    var configuration = StreamConfiguration(
      name: Self.streamName, subjects: ["\(Self.subjectPrefix).>"])
    configuration.replicas = replicas
    try connection.addStream(configuration)
    self.connection = connection
    self.bucket = bucket
    self.chunkBytes = chunkBytes
    self.publishPatience = publishPatience
  }

  /// The latest snapshot's manifest; nil when the cluster has none yet.
  public func latest() throws -> Manifest? {
    guard let stored = try bucket.get(Self.manifestKey) else { return nil }
    guard let manifest = Manifest.decode(stored.value) else {
      throw ClusterSnapshotError(
        "the manifest under \"\(Self.manifestKey)\" cannot be read: "
          + String(decoding: stored.value, as: UTF8.self))
    }
    return manifest
  }

  /// Stores a snapshot of the log up to `logSequence`: its chunks, then its manifest; then
  /// purges the chunks of the snapshots before the one it replaces, which stays readable for a
  /// node that read its manifest a moment ago. Returns the new manifest and the one replaced.
  @discardableResult
  public func write(_ bytes: [UInt8], logSequence: UInt64) throws -> (
    manifest: Manifest, replaced: Manifest?
  ) {
    let replaced = try latest()
    let subject = "\(Self.subjectPrefix).\(logSequence)"
    var firstChunk: UInt64?
    var chunks = 0
    for start in stride(from: 0, to: max(bytes.count, 1), by: chunkBytes) {
      let chunk = Array(bytes[start..<min(bytes.count, start + chunkBytes)])
      let sequence = try connection.publish(
        chunk, subject: subject, messageID: "snapshot-\(logSequence)-\(chunks)",
        retryingFor: publishPatience
      ).sequence
      if firstChunk == nil { firstChunk = sequence }
      chunks += 1
    }
    let manifest = Manifest(
      logSequence: logSequence, firstChunk: firstChunk ?? 0, chunks: chunks, bytes: bytes.count,
      hash: StableHash.fnv1a64(bytes))
    _ = try bucket.put(Self.manifestKey, manifest.encoded())
    if let replaced { try connection.purgeStream(Self.streamName, before: replaced.firstChunk) }
    return (manifest, replaced)
  }

  /// Reads the snapshot `manifest` names; throws when a chunk is missing (a newer snapshot
  /// replaced it meanwhile) or the bytes do not match the manifest.
  public func read(_ manifest: Manifest, timeoutMilliseconds: Int64 = 10_000) throws -> [UInt8] {
    let reader = try OrderedReader(
      connection: connection, stream: Self.streamName,
      subject: "\(Self.subjectPrefix).\(manifest.logSequence)",
      startSequence: manifest.firstChunk)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(manifest.bytes)
    for index in 0..<manifest.chunks {
      guard let chunk = try reader.next(timeoutMilliseconds: timeoutMilliseconds) else {
        throw ClusterSnapshotError(
          "chunk \(index + 1) of \(manifest.chunks) of the snapshot at \(manifest.logSequence) "
            + "did not come in \(timeoutMilliseconds) ms")
      }
      guard chunk.streamSequence >= manifest.firstChunk else {
        throw ClusterSnapshotError("a chunk before the snapshot's first")
      }
      bytes += chunk.data
    }
    guard bytes.count == manifest.bytes, StableHash.fnv1a64(bytes) == manifest.hash else {
      throw ClusterSnapshotError(
        "the snapshot at \(manifest.logSequence) read back as \(bytes.count) bytes that do not "
          + "match its manifest (\(manifest.bytes) bytes, hash \(String(manifest.hash, radix: 16)))"
      )
    }
    return bytes
  }
}
