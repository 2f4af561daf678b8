import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS
import NATSTestSupport
import Testing

@testable import ChannelCastCluster

/// A node that decides and a node that only applies the replicated log reach the same state;
/// a stale owner's records are fenced off. Against a real nats-server with JetStream.
@Suite struct ReplicatedStateTests {
  static let partitions = ClusterPartitions(channelPartitions: 4, userPartitions: 16)
  static let channels = (0..<6).map { "@TOA#_c\($0)" }
  static let users = (0..<30).map { "user-\($0)" }

  static func makeState() -> ChannelCastState {
    ChannelCastState(
      shardCount: 2, directory: UserDirectory(), retention: HistoryRetention(ServiceLimits()))
  }

  static func makeService(state: ChannelCastState, log: (any MutationLog)?)
    -> ChannelCastService
  {
    ChannelCastService(
      state: state, limits: ServiceLimits(),
      fanOut: FanOut(shardCount: 2, directory: state.directory, sink: DiscardingSink()),
      log: log, clock: SystemTimeSource())
  }

  /// Sends `request` and ends the run (commits the log); returns the reply.
  @discardableResult
  static func call(_ service: ChannelCastService, _ request: String) throws -> String {
    let reply = service.handle(Array(request.utf8)).reply
    try service.finishRun()
    return String(decoding: reply, as: UTF8.self)
  }

  /// Every read the protocol offers for the test's channels and users.
  static func observe(_ service: ChannelCastService) throws -> [String] {
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

  static func settings(_ node: String) -> ClusterLog.Settings {
    var settings = ClusterLog.Settings(nodeName: node, partitions: partitions)
    settings.streamName = "CC"
    settings.subjectPrefix = "cc.log"
    settings.publishPatienceMilliseconds = 5000
    return settings
  }

  /// A node that applies the log into a fresh state, read to the stream's end.
  static func replica(_ connection: NATSConnection, node: String) throws -> (
    log: ClusterLog, service: ChannelCastService
  ) {
    let log = try ClusterLog(connection: connection, settings: settings(node))
    let service = makeService(state: makeState(), log: log)
    #expect(
      try log.catchUp(
        to: log.streamLastSequence(), service: service, timeoutMilliseconds: 10_000))
    return (log, service)
  }

  /// Makes `log`'s node the owner of every partition it prefers among `members` (alone: all),
  /// its claims read back and applied.
  static func takeOver(
    _ node: (log: ClusterLog, service: ChannelCastService), members: [String: String] = [:]
  ) throws {
    try node.log.rebalance(members: members)
    #expect(
      try node.log.catchUp(
        to: node.log.streamLastSequence(), service: node.service, timeoutMilliseconds: 10_000))
  }

  @Test func aNodeApplyingTheLogAnswersEveryReadAsTheNodeThatDecided() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.replica(connection, node: "a")
    try Self.takeOver(a)
    #expect(a.log.servedChannelPartitions.count == Self.partitions.channelPartitions)
    let owner = a.service
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
    let b = try Self.replica(connection, node: "b")
    #expect(b.log.fencedEntries == 0)
    #expect(try Self.observe(b.service) == Self.observe(owner))
  }

  @Test func aStaleOwnersRecordIsFencedOffForEveryReaderAndStopsIt() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let channel = "@TOA#_fenced"
    // "a" owns every partition and creates the channel.
    let a = try Self.replica(connection, node: "a")
    try Self.takeOver(a)
    try Self.call(
      a.service,
      #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
    )
    // "b" takes every partition over (epoch 2): it does not see "a" alive.
    let b = try Self.replica(connection, node: "b")
    try Self.takeOver(b)
    #expect(b.log.serves(channel: ByteString(channel)))
    #expect(b.log.takeovers == Self.partitions.channelPartitions + Self.partitions.userPartitions)
    // "a", paused through the takeover, still believes it owns the partition: its record is
    // fenced off when it reads it back, and its commit fails rather than acknowledge it.
    #expect(a.log.serves(channel: ByteString(channel)))
    _ = a.service.handle(
      Array(
        #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"ghost"}"#
          .utf8))
    #expect(throws: ClusterLogError.self) { try a.service.finishRun() }
    try Self.call(
      b.service,
      #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"real"}"#)
    // A reader of the whole log sees "b"'s subscriber only.
    let c = try Self.replica(connection, node: "c")
    #expect(c.log.fencedEntries == 1)
    let view = try Self.call(
      c.service, #"{"op":"getSubscribers","officialAccountID":"\#(channel)","limit":10}"#)
    #expect(view.contains("\"real\"") && !view.contains("ghost"))
  }
}

extension ReplicatedStateTests {
  /// A channel ID in a channel partition that `log`'s node serves.
  static func channel(servedBy log: ClusterLog) throws -> String {
    try #require(
      (0..<1000).lazy.map { "@TOA#_kept\($0)" }.first { log.serves(channel: ByteString($0)) })
  }

  /// Creates `channel` and sends it one message, through its owner's `service`.
  static func createAndSendOneMessage(to channel: String, through service: ChannelCastService)
    throws
  {
    try call(
      service,
      #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
    )
    try call(
      service, #"{"op":"sendMessage","officialAccountID":"\#(channel)","payload":{"n":1}}"#)
  }

  /// A node that hands a user partition on names, in its release, the position through which
  /// it delivered to the partition's users; the node that claims it sends again the messages
  /// after that position, not after the releasing node's later watermark (which goes on
  /// moving with the deliveries to its other partitions).
  @Test func aClaimAfterAReleaseResumesFromThePositionTheReleaseNames() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.replica(connection, node: "a")
    try Self.takeOver(a)
    let b = try Self.replica(connection, node: "b")
    var takenOver: [ClusterLog.Takeover] = []
    b.log.userPartitionsTakenOver = { takenOver += $0 }
    // "a" hands "b" the partitions "b" is preferred for, then sends a message on a channel it
    // kept: the message lands after the releases.
    try a.log.rebalance(members: ["b": b.log.identity])
    let releasedAt = a.log.appliedSequence
    #expect(
      try a.log.catchUp(
        to: a.log.streamLastSequence(), service: a.service, timeoutMilliseconds: 10_000))
    let channel = try Self.channel(servedBy: a.log)
    try Self.createAndSendOneMessage(to: channel, through: a.service)
    let messageAt = try #require(a.log.lastCommitPosition ?? a.log.appliedSequence)
    #expect(
      try b.log.catchUp(
        to: b.log.streamLastSequence(), service: b.service, timeoutMilliseconds: 10_000))
    try Self.takeOver(b, members: ["a": a.log.identity])
    #expect(!takenOver.isEmpty)
    for takeover in takenOver {
      #expect(takeover.from == a.log.identity)
      #expect(takeover.handedOverThrough == releasedAt)
      #expect(takeover.at > messageAt)
      let resent = b.log.recentMessages(
        after: takeover.handedOverThrough ?? 0, before: takeover.at)
      #expect(resent.map(\.officialAccountID) == [ByteString(channel)])
    }
  }

  /// A node that takes back a user partition it released (the node it released it to never
  /// claimed it: gone again, or cut off) sends again the messages after its release: nobody
  /// delivered them to the partition's users meanwhile. (A network-cut fault test found this.)
  @Test func aNodeClaimingBackWhatItReleasedResumesFromItsRelease() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.replica(connection, node: "a")
    try Self.takeOver(a)
    var takenOver: [ClusterLog.Takeover] = []
    a.log.userPartitionsTakenOver = { takenOver += $0 }
    // "a" releases what "b" is preferred for; "b" never claims it.
    try Self.takeOver(a, members: ["b": "b/never-claims"])
    #expect(takenOver.isEmpty)
    let releasedAt = a.log.appliedSequence
    #expect(a.log.servedUserPartitions.count < Self.partitions.userPartitions)
    let channel = try Self.channel(servedBy: a.log)
    try Self.createAndSendOneMessage(to: channel, through: a.service)
    // "b" is gone: "a" claims its partitions back.
    try Self.takeOver(a)
    #expect(a.log.servedUserPartitions.count == Self.partitions.userPartitions)
    #expect(!takenOver.isEmpty)
    for takeover in takenOver {
      #expect(takeover.from == a.log.identity)
      let start = try #require(takeover.handedOverThrough)
      #expect(start <= releasedAt)
      let resent = a.log.recentMessages(after: start, before: takeover.at)
      #expect(resent.map(\.officialAccountID) == [ByteString(channel)])
    }
  }

  /// A message decided before a user partition's first claim (a cluster starting) is sent to
  /// the partition's users again when it is claimed: nobody delivered it to them.
  @Test func aFirstClaimResendsTheMessagesBeforeIt() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let a = try Self.replica(connection, node: "a")
    var takenOver: [ClusterLog.Takeover] = []
    a.log.userPartitionsTakenOver = { takenOver += $0 }
    let channel = "@TOA#_early"
    #expect(
      try a.log.claimOnce(.channels, Self.partitions.partition(ofChannel: ByteString(channel))))
    #expect(
      try a.log.catchUp(
        to: a.log.streamLastSequence(), service: a.service, timeoutMilliseconds: 10_000))
    try Self.createAndSendOneMessage(to: channel, through: a.service)
    #expect(a.log.servedUserPartitions.isEmpty)
    try Self.takeOver(a)
    #expect(takenOver.count == Self.partitions.userPartitions)
    for takeover in takenOver {
      #expect(takeover.from == a.log.identity)
      #expect(takeover.handedOverThrough == 0)
      let resent = a.log.recentMessages(after: 0, before: takeover.at)
      #expect(resent.map(\.officialAccountID) == [ByteString(channel)])
    }
  }
}

/// Deliveries go nowhere in these tests: only the state is compared.
private final class DiscardingSink: DeliverySink {
  func deliver(_ deliveries: UnsafeBufferPointer<Delivery>) -> Int { deliveries.count }
}
