import ChannelCastCore
import ChannelCastProtocol

/// One gateway session: from its `hello` until `bye`, its connection's end, or a `hello` with
/// the same `gatewayID` from another connection.
struct GatewaySessionRecord {
  let gatewayID: ByteString
  let number: GatewayNumber
  /// The ROUTER's routing ID of the gateway's connection.
  let routingID: [UInt8]
  /// The file descriptor of that connection (`ZMQ_SRCFD` of its `hello`), which the socket
  /// monitor names when the connection ends.
  let connection: Int32
  let outbox: GatewayOutbox
}

/// The gateway sessions, by connection and by `gatewayID`, and the session numbers in use.
///
/// Ownership: a value of the `cc-gateway` thread's serving loop.
struct GatewaySessionTable {
  private(set) var byRoutingID: [[UInt8]: GatewaySessionRecord] = [:]
  private var routingIDByGatewayID: [ByteString: [UInt8]] = [:]
  /// Numbers of sessions that ended whose attachments the shards have not all dropped yet.
  private var retiring: Set<GatewayNumber> = []
  private var freeNumbers: [GatewayNumber] = []
  private var nextNumber = 0

  var count: Int { byRoutingID.count }

  func session(at routingID: [UInt8]) -> GatewaySessionRecord? {
    byRoutingID[routingID]
  }

  func session(named gatewayID: ByteString) -> GatewaySessionRecord? {
    routingIDByGatewayID[gatewayID].flatMap { byRoutingID[$0] }
  }

  /// Sessions whose connection is `descriptor`.
  func sessions(onConnection descriptor: Int32) -> [GatewaySessionRecord] {
    byRoutingID.values.filter { $0.connection == descriptor }
  }

  /// A number for a new session, or nil when `GatewayNumber.capacity` sessions are live or
  /// retiring.
  mutating func takeNumber() -> GatewayNumber? {
    if let number = freeNumbers.popLast() { return number }
    guard nextNumber < GatewayNumber.capacity else { return nil }
    defer { nextNumber += 1 }
    return GatewayNumber(UInt16(nextNumber))
  }

  mutating func add(_ session: GatewaySessionRecord) {
    byRoutingID[session.routingID] = session
    routingIDByGatewayID[session.gatewayID] = session.routingID
  }

  /// Ends a session; its number stays taken until `release`.
  mutating func remove(_ session: GatewaySessionRecord) {
    byRoutingID.removeValue(forKey: session.routingID)
    if routingIDByGatewayID[session.gatewayID] == session.routingID {
      routingIDByGatewayID.removeValue(forKey: session.gatewayID)
    }
    retiring.insert(session.number)
  }

  /// Gives an ended session's number back, once no shard holds its attachments.
  mutating func release(_ number: GatewayNumber) {
    if retiring.remove(number) != nil { freeNumbers.append(number) }
  }
}
