import ChannelCastCluster
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS
import NATSTestSupport
import Testing

/// Snapshots kept in JetStream: a node that starts from one and reads the log after it
/// reaches the state of the node that wrote it; the log is trimmed behind it, and a node that
/// would read across the trimmed entries is stopped rather than let skip them. Against a real
/// nats-server with JetStream.
@Suite struct ClusterSnapshotTests {
  typealias Node = (log: ClusterLog, service: ChannelCastService)

  /// A node that owns every partition, with the test's channels, subscribers and messages.
  private static func busyOwner(_ connection: NATSConnection, steps: Int) throws -> Node {
    let a = try ReplicatedStateTests.replica(connection, node: "a")
    try ReplicatedStateTests.takeOver(a)
    for channel in ReplicatedStateTests.channels {
      try ReplicatedStateTests.call(
        a.service,
        #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
      )
    }
    try work(a, steps: steps, seed: 1)
    return a
  }

  /// Subscribes, unsubscribes and sends through `node`, `steps` times.
  private static func work(_ node: Node, steps: Int, seed: Int) throws {
    for step in 0..<steps {
      let channel = ReplicatedStateTests.channels[(step * 7 + seed) % 6]
      let user = ReplicatedStateTests.users[(step * 13 + seed) % 30]
      let request =
        switch step % 4 {
        case 0, 1:
          #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
        case 2:
          #"{"op":"sendMessage","officialAccountID":"\#(channel)","payload":{"n":\#(step)},"clientMsgID":"c\#(seed)-\#(step)"}"#
        default:
          #"{"op":"unsubscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
        }
      try ReplicatedStateTests.call(node.service, request)
    }
  }

  /// The node's snapshot, its own records read back applied first (as the daemon does after
  /// each run).
  private static func snapshot(of node: Node) throws -> ClusterSnapshot {
    try node.log.applyAvailable(to: node.service)
    return try #require(node.log.snapshot(of: node.service, takenAtMs: 1))
  }

  private static func bucket(_ connection: NATSConnection) throws -> KeyValueBucket {
    try KeyValueBucket(connection: connection, name: "SETTINGS")
  }

  @Test func aNodeStartedFromASnapshotAnswersEveryReadAsTheNodeThatWroteIt() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.busyOwner(connection, steps: 200)
    // Small chunks: the snapshot goes in many.
    let store = try ClusterSnapshotStore(
      connection: connection, bucket: try Self.bucket(connection), replicas: 1, chunkBytes: 1000)
    let snapshot = try Self.snapshot(of: a)
    let (manifest, replaced) = try store.write(
      try snapshot.encoded(), logSequence: snapshot.position.logSequence)
    #expect(replaced == nil && manifest.chunks > 1)
    #expect(try store.latest() == manifest)
    // More after the snapshot, which the new node reads from the log.
    try Self.work(a, steps: 100, seed: 2)

    let state = ReplicatedStateTests.makeState()
    let position = try ClusterSnapshot.load(try store.read(manifest), into: state)
    #expect(position.logSequence == manifest.logSequence)
    let log = try ClusterLog(
      connection: connection, settings: ReplicatedStateTests.settings("b"),
      startingAfter: position)
    let service = ReplicatedStateTests.makeService(state: state, log: log)
    #expect(
      try log.catchUp(to: log.streamLastSequence(), service: service, timeoutMilliseconds: 10_000))
    #expect(log.appliedSequence == (try a.log.streamLastSequence()))
    #expect(log.channelLedger.terms == a.log.channelLedger.terms)
    #expect(log.userLedger.terms == a.log.userLedger.terms)
    #expect(try ReplicatedStateTests.observe(service) == ReplicatedStateTests.observe(a.service))
    // A clientMsgID sent before the snapshot is still known after it.
    let retried = try ReplicatedStateTests.call(
      a.service,
      #"{"op":"sendMessage","officialAccountID":"\#(ReplicatedStateTests.channels[1])","payload":{"n":2},"clientMsgID":"c1-2"}"#
    )
    #expect(retried.contains(#""ok":true"#))
  }

  @Test func theWriterTrimsTheLogBehindTheSnapshotItReplacesAndAReaderAcrossTheTrimStops()
    throws
  {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.busyOwner(connection, steps: 100)
    let store = try ClusterSnapshotStore(
      connection: connection, bucket: try Self.bucket(connection), replicas: 1, chunkBytes: 1000)
    let outcomes = OutcomeList()
    let writer = ClusterSnapshotWriter(
      store: store, logStream: "CC", entriesBetween: 50, latest: 0
    ) { outcomes.append($0) }
    defer { writer.stop() }

    func writeSnapshot() throws -> ClusterSnapshotWriter.Outcome {
      let snapshot = try Self.snapshot(of: a)
      let count = outcomes.count
      #expect(writer.write(snapshot, trimLogBefore: snapshot.position.logSequence + 1))
      let deadline = ContinuousClock.now + .seconds(10)
      while outcomes.count == count, ContinuousClock.now < deadline { usleep(10_000) }
      return try #require(outcomes.last)
    }
    // The first snapshot trims nothing: a node may be starting from the beginning.
    guard case .written(let first, let trimmedFirst, _) = try writeSnapshot() else {
      Issue.record("the first snapshot was not written: \(outcomes.last.map { "\($0)" } ?? "")")
      return
    }
    #expect(trimmedFirst == 1)
    #expect(try connection.streamState("CC").firstSequence == 1)
    // Fewer than 50 entries later, another is not needed.
    try Self.work(a, steps: 10, seed: 2)
    guard case .notNeeded(let latest) = try writeSnapshot() else {
      Issue.record("a snapshot 10 entries after the last was written")
      return
    }
    #expect(latest == first.logSequence)
    // After more, the next one trims the log up to the first.
    try Self.work(a, steps: 100, seed: 3)
    guard case .written(let second, let trimmed, _) = try writeSnapshot() else {
      Issue.record("the second snapshot was not written: \(outcomes.last.map { "\($0)" } ?? "")")
      return
    }
    #expect(trimmed == first.logSequence + 1)
    #expect(try connection.streamState("CC").firstSequence == first.logSequence + 1)
    #expect(writer.latestSequence == second.logSequence)
    // Both snapshots stay readable.
    #expect(try store.read(first).count == first.bytes)
    #expect(try store.read(second).count == second.bytes)

    // A node reading the log from the beginning meets the hole and stops.
    let reader = try ClusterLog(
      connection: connection, settings: ReplicatedStateTests.settings("c"))
    let service = ReplicatedStateTests.makeService(
      state: ReplicatedStateTests.makeState(), log: reader)
    #expect {
      _ = try reader.catchUp(
        to: reader.streamLastSequence(), service: service, timeoutMilliseconds: 10_000)
    } throws: { error in
      guard case .gap(let expected, let found) = error as? ClusterLogError else { return false }
      return expected == 1 && found == first.logSequence + 1
    }
  }
}

/// The writer's outcomes, appended on its thread.
private final class OutcomeList: @unchecked Sendable {
  private let lock = NSLock()
  private var outcomes: [ClusterSnapshotWriter.Outcome] = []

  func append(_ outcome: ClusterSnapshotWriter.Outcome) {
    lock.withLock { outcomes.append(outcome) }
  }
  var count: Int { lock.withLock { outcomes.count } }
  var last: ClusterSnapshotWriter.Outcome? { lock.withLock { outcomes.last } }
}
