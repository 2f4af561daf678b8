import Foundation
import NATS
import Synchronization

/// The cluster's live nodes, from heartbeats in a key-value bucket: every node writes, under its
/// name, its identity, how far its fan-out got and how far it applied the log
/// (`identity watermark applied`) every
/// `heartbeatMilliseconds`, on a thread of its own (`cc-heartbeat`), and watches the bucket for
/// the others'. A node whose key has not been written for `ownerTimeoutMilliseconds` of this
/// node's own clock, while this node's own writes kept arriving through the same watch, is
/// taken for dead: no comparison of two machines' clocks is involved, and a watch that stalls
/// (the bucket's stream electing a leader, this process paused) makes no one look dead.
///
/// The watermark is the stream sequence up to which the node has handed every message of the
/// log to its users: whoever takes one of its user partitions over sends the messages after it
/// again (`watermark(of:)` keeps the last one each identity wrote). How far the live nodes
/// applied the log bounds how far it may be trimmed (`lowestApplied`).
///
/// It is also this node's lease: `lease` is nil once this node's own last successful
/// heartbeat is older than half the owner timeout (NATS unreachable, or the process was
/// paused), since the others may take its partitions over soon after; the node must not decide
/// for its partitions then. A lease won back after such a gap has a new term, so that a node
/// that was not running to see the gap (paused, its heartbeat thread resuming first) still
/// sees that it lapsed.
///
/// Ownership: the heartbeat thread owns the watcher and the table of last writes; what other
/// threads read (`members`, the watermarks, the last heartbeat's time and the lease's term)
/// is under `lock` (an NSLock, which ThreadSanitizer sees): `@unchecked Sendable` for that
/// reason. The command thread sets this node's watermark in an atomic.
public final class ClusterMembership: @unchecked Sendable {
  public struct Settings: Sendable {
    public var bucketName = "CHANNELCAST_NODES"
    public var heartbeatMilliseconds = 1000
    public var ownerTimeoutMilliseconds = 5000
    public var replicas = 1

    public init() {}
  }

  private struct Shared {
    /// Live nodes: name → identity (`name/instance`).
    var members: [String: String] = [:]
    /// The last watermark each identity wrote.
    var watermarks: [String: UInt64] = [:]
    /// How far each identity had applied the log, as it last wrote.
    var applied: [String: UInt64] = [:]
    var lastHeartbeat: ContinuousClock.Instant?
    /// The lease's term: one more each time a heartbeat is written after a lapse.
    var leaseTerm: UInt64 = 0
    var stopped = false
  }

  private var shared = Shared()
  private let lock = NSLock()
  private let settings: Settings
  private let finished = DispatchSemaphore(value: 0)
  /// This node's watermark and applied position, set by the command thread, written with
  /// each heartbeat.
  private let ownWatermark = Atomic<UInt64>(0)
  private let ownApplied = Atomic<UInt64>(0)

  /// Starts heartbeating as `identity` under `name`, with `watermark` and `applied` (see
  /// `setPositions`) to begin with;
  /// `changed` is called on the heartbeat thread with the live nodes each time they change.
  public init(
    connection: NATSConnection, name: String, identity: String, watermark: UInt64,
    applied: UInt64, settings: Settings, changed: @escaping @Sendable ([String: String]) -> Void
  ) throws(NATSError) {
    self.settings = settings
    ownWatermark.store(watermark, ordering: .relaxed)
    ownApplied.store(applied, ordering: .relaxed)
    let bucket = try KeyValueBucket(
      connection: connection, name: settings.bucketName, replicas: settings.replicas,
      maxAgeMilliseconds: Int64(max(60_000, 10 * settings.ownerTimeoutMilliseconds)))
    try bucket.put(name, Self.heartbeat(identity, watermark: watermark, applied: applied))
    nonisolated(unsafe) let watcher = try KeyValueWatcher(bucket: bucket)
    lockedState { $0.lastHeartbeat = .now }
    let thread = Thread { [self] in
      defer { finished.signal() }
      heartbeat(bucket: bucket, watcher: watcher, name: name, identity: identity, changed: changed)
    }
    thread.name = "cc-heartbeat"
    thread.start()
  }

  /// Live nodes: name → identity.
  public var members: [String: String] { lockedState { $0.members } }

  /// The last watermark the node `identity` wrote; nil when this node never saw one.
  public func watermark(of identity: String) -> UInt64? {
    lockedState { $0.watermarks[identity] }
  }

  /// Sets the watermark and applied position the next heartbeats carry (command thread).
  public func setPositions(watermark: UInt64, applied: UInt64) {
    ownWatermark.store(watermark, ordering: .relaxed)
    ownApplied.store(applied, ordering: .relaxed)
  }

  /// The lowest log position the live nodes have applied, as they last wrote; 0 while a live
  /// node's is not known.
  public var lowestApplied: UInt64 {
    lockedState { shared in
      shared.members.values.map { shared.applied[$0] ?? 0 }.min() ?? 0
    }
  }

  /// The term of this node's lease while its own heartbeats are recent enough for it to
  /// decide as an owner; nil while they are not. A decision is safe under the term the node
  /// last read the log to its end in, and no other.
  public var lease: UInt64? {
    lockedState { shared in
      guard let last = shared.lastHeartbeat, ContinuousClock.now - last < leaseLength else {
        return nil
      }
      return shared.leaseTerm
    }
  }

  /// How long a heartbeat keeps the lease: half the owner timeout.
  private var leaseLength: Duration { .milliseconds(settings.ownerTimeoutMilliseconds / 2) }

  /// Stops heartbeating (the others take this node for dead an owner timeout later) and waits
  /// for the thread.
  public func stop() {
    let wasRunning = lockedState { shared in
      defer { shared.stopped = true }
      return !shared.stopped
    }
    if wasRunning { finished.wait() }
  }

  private func lockedState<Result>(_ body: (inout Shared) -> Result) -> Result {
    lock.withLock { body(&shared) }
  }

  /// The watcher's next update; a failed watcher is dropped (`heartbeat` makes another).
  private func nextUpdate(_ watcher: inout KeyValueWatcher?, waiting: Int64)
    -> KeyValueWatcher.Update?
  {
    do {
      return try watcher?.next(timeoutMilliseconds: waiting)
    } catch {
      watcher = nil
      usleep(UInt32(waiting) * 1000)
      return nil
    }
  }

  private static func heartbeat(_ identity: String, watermark: UInt64, applied: UInt64)
    -> [UInt8]
  {
    Array("\(identity) \(watermark) \(applied)".utf8)
  }

  private func heartbeat(
    bucket: KeyValueBucket, watcher first: KeyValueWatcher, name: String, identity: String,
    changed: @Sendable ([String: String]) -> Void
  ) {
    /// Made again when it fails (its consumer lost with the servers that held it).
    var watcher: KeyValueWatcher? = first
    let interval = Duration.milliseconds(settings.heartbeatMilliseconds)
    let timeout = Duration.milliseconds(settings.ownerTimeoutMilliseconds)
    /// Each node's identity and when this node last saw its key written.
    var lastWrites: [String: (identity: String, at: ContinuousClock.Instant)] = [:]
    var reported: [String: String] = [:]
    var nextBeat = ContinuousClock.now
    /// When the watch last delivered one of this node's own writes: the others are judged
    /// against it, not against the clock alone.
    var ownWriteSeen = ContinuousClock.now
    while !lockedState({ $0.stopped }) {
      let now = ContinuousClock.now
      if now >= nextBeat {
        let value = Self.heartbeat(
          identity, watermark: ownWatermark.load(ordering: .relaxed),
          applied: ownApplied.load(ordering: .relaxed))
        if (try? bucket.put(name, value)) != nil {
          lockedState { shared in
            if let last = shared.lastHeartbeat, now - last >= leaseLength { shared.leaseTerm += 1 }
            shared.lastHeartbeat = now
          }
        }
        nextBeat = now + interval
      }
      let wait = max(1, Int64(ContinuousClock.now.duration(to: nextBeat) / .milliseconds(1)))
      if watcher == nil { watcher = try? KeyValueWatcher(bucket: bucket) }
      while let update = nextUpdate(&watcher, waiting: min(wait, 100)) {
        guard !update.isDeletion else {
          lastWrites[update.key] = nil
          continue
        }
        let fields = String(decoding: update.value, as: UTF8.self).split(separator: " ")
        guard let writer = fields.first.map(String.init) else { continue }
        lastWrites[update.key] = (writer, .now)
        if writer == identity { ownWriteSeen = .now }
        if fields.count > 1, let watermark = UInt64(fields[1]) {
          lockedState { $0.watermarks[writer] = watermark }
        }
        if fields.count > 2, let applied = UInt64(fields[2]) {
          lockedState { $0.applied[writer] = applied }
        }
      }
      let members = lastWrites.filter { ownWriteSeen - $0.value.at <= timeout }
        .mapValues(\.identity)
      if members != reported {
        reported = members
        lockedState { $0.members = members }
        changed(members)
      }
    }
  }
}
