import ChannelCastCluster
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS
import Testing

/// A node that decides and a node that only applies the replicated log reach the same state;
/// a stale owner's records are fenced off. Against a real nats-server with JetStream.
@Suite struct ReplicatedStateTests {
  static let partitions = ClusterPartitions(channelPartitions: 4, userPartitions: 16)
  static let channels = (0..<6).map { "@TOA#_c\($0)" }
  static let users = (0..<30).map { "user-\($0)" }

  private static func makeState() -> ChannelCastState {
    ChannelCastState(
      shardCount: 2, directory: UserDirectory(), retention: HistoryRetention(ServiceLimits()))
  }

  private static func makeService(state: ChannelCastState, log: (any MutationLog)?)
    -> ChannelCastService
  {
    ChannelCastService(
      state: state, limits: ServiceLimits(),
      fanOut: FanOut(shardCount: 2, directory: state.directory, sink: DiscardingSink()),
      log: log, clock: SystemTimeSource())
  }

  /// Sends `request` and ends the run (commits the log); returns the reply.
  @discardableResult
  private static func call(_ service: ChannelCastService, _ request: String) throws -> String {
    let reply = service.handle(Array(request.utf8)).reply
    try service.finishRun()
    return String(decoding: reply, as: UTF8.self)
  }

  /// Every read the protocol offers for the test's channels and users.
  private static func observe(_ service: ChannelCastService) throws -> [String] {
    var requests = [#"{"op":"listOfficialAccounts","limit":100}"#]
    for channel in channels {
      requests += [
        #"{"op":"getOfficialAccountsInfo","officialAccountIDList":["\#(channel)"]}"#,
        #"{"op":"getSubscribers","officialAccountID":"\#(channel)","limit":100}"#,
        #"{"op":"getHistory","officialAccountID":"\#(channel)","limit":100}"#,
      ]
    }
    return try requests.map { try call(service, $0) }
  }

  /// A node's log, having claimed every partition (as the only node, the first claims win).
  private static func owningLog(_ connection: NATSConnection, node: String) throws
    -> PartitionStreamLog
  {
    let log = try PartitionStreamLog(
      connection: connection, streamName: "CC", subjectPrefix: "cc", node: node,
      partitions: partitions, replicas: 1)
    for partition in 0..<partitions.channelPartitions {
      try log.claim(partition, epoch: 1)
      log.ownershipTookEffect(partition, epoch: 1)
    }
    return log
  }

  @Test func aNodeApplyingTheLogAnswersEveryReadAsTheNodeThatDecided() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let owner = Self.makeService(
      state: Self.makeState(), log: try Self.owningLog(connection, node: "a"))
    var random = SystemRandomNumberGenerator()
    for channel in Self.channels {
      try Self.call(
        owner,
        #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
      )
    }
    for step in 0..<300 {
      let channel = Self.channels.randomElement(using: &random)!
      let user = Self.users.randomElement(using: &random)!
      let request =
        switch step % 5 {
        case 0, 1:
          #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
        case 2:
          #"{"op":"unsubscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"\#(user)"}"#
        case 3:
          #"{"op":"sendMessage","officialAccountID":"\#(channel)","payload":{"n":\#(step)}}"#
        default:
          #"{"op":"setOfficialAccountInfo","officialAccountID":"\#(channel)","introduction":"i\#(step)"}"#
        }
      try Self.call(owner, request)
    }
    let replicaState = Self.makeState()
    let applier = try ReplicaApplier(
      connection: connection, streamName: "CC", subjectPrefix: "cc", state: replicaState)
    #expect(try applier.catchUp(to: try connection.streamState("CC").lastSequence))
    #expect(applier.ignoredEntries == 0)
    let replica = Self.makeService(state: replicaState, log: nil)
    #expect(try Self.observe(replica) == Self.observe(owner))
  }

  @Test func aStaleOwnersRecordsAreFencedOffForEveryReader() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let channel = "@TOA#_fenced"
    let partition = Self.partitions.partition(ofChannel: ByteString(channel))
    // "a" owns every partition and creates the channel.
    let oldLog = try Self.owningLog(connection, node: "a")
    let old = Self.makeService(state: Self.makeState(), log: oldLog)
    try Self.call(
      old,
      #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
    )
    // "b" takes the channel's partition over (epoch 2) from a state read from the log.
    let newState = Self.makeState()
    let newApplier = try ReplicaApplier(
      connection: connection, streamName: "CC", subjectPrefix: "cc", state: newState)
    #expect(try newApplier.catchUp(to: try connection.streamState("CC").lastSequence))
    let newLog = try PartitionStreamLog(
      connection: connection, streamName: "CC", subjectPrefix: "cc", node: "b",
      partitions: Self.partitions, replicas: 1)
    try newLog.claim(partition, epoch: newApplier.ledger.nextEpoch(of: partition))
    #expect(try newApplier.catchUp(to: try connection.streamState("CC").lastSequence))
    #expect(newApplier.ledger.owner(of: partition) == .init(node: "b", epoch: 2))
    newLog.ownershipTookEffect(partition, epoch: 2)
    let new = Self.makeService(state: newState, log: newLog)
    // "a", paused through the takeover, still believes it owns the partition.
    try Self.call(
      old, #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"ghost"}"#)
    try Self.call(
      new, #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"real"}"#)
    // A reader of the whole log sees "b"'s subscriber only.
    let readerState = Self.makeState()
    let reader = try ReplicaApplier(
      connection: connection, streamName: "CC", subjectPrefix: "cc", state: readerState)
    #expect(try reader.catchUp(to: try connection.streamState("CC").lastSequence))
    #expect(reader.ignoredEntries == 1)
    let view = try Self.call(
      Self.makeService(state: readerState, log: nil),
      #"{"op":"getSubscribers","officialAccountID":"\#(channel)","limit":10}"#)
    #expect(view.contains("\"real\"") && !view.contains("ghost"))
  }
}

/// Deliveries go nowhere in these tests: only the state is compared.
private final class DiscardingSink: DeliverySink {
  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int { deliveries.count }
}
