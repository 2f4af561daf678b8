import Synchronization
import ZeroMQ

/// Reports a failed CURVE handshake of a client socket, read from libzmq's socket monitor.
///
/// A daemon that refuses the client's key, or a server key that is not the daemon's, would
/// otherwise look like a daemon that never answers: libzmq keeps reconnecting and the socket
/// stays silent. Ownership: not Sendable; it belongs, with the socket it watches, to the
/// thread that uses them.
final class HandshakeWatch {
  /// Numbers the monitor endpoints: inproc names must be unique in a context, and clients share
  /// contexts.
  private static let endpointNumbers = Atomic<Int>(0)

  /// The `pair` socket the monitor's events arrive on.
  fileprivate let events: Socket

  /// Starts watching `socket`; call it before the socket connects, so that no failure of its
  /// first handshake is missed.
  init(_ socket: Socket, context: ZMQContext) throws(ZMQError) {
    let number = Self.endpointNumbers.wrappingAdd(1, ordering: .relaxed).newValue
    let endpoint = "inproc://channelcast-handshake-\(number)"
    try socket.monitor(
      endpoint, kinds: [.handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail])
    events = try Socket(context: context, type: .pair)
    try events.setOption(.linger, 0)
    try events.connect(endpoint)
  }

  deinit {
    events.close()
  }

  /// The first handshake failure among the events waiting, if any.
  fileprivate func failure() throws(ZMQError) -> ClientError? {
    while let event = try SocketEvent.read(from: events) {
      switch SocketEvent.Kinds(rawValue: event.kind) {
      case .handshakeFailedAuth: return .keyRefused(status: Int(event.value))
      case .handshakeFailedProtocol, .handshakeFailedNoDetail: return .handshakeFailed
      default: continue
      }
    }
    return nil
  }
}

extension Socket {
  /// Waits until the socket is readable, up to `timeoutMilliseconds` (-1 waits forever);
  /// returns false when the time ran out. With a `handshake` watch, a failed handshake ends the
  /// wait at once with its ``ClientError``.
  func waitUntilReadable(timeoutMilliseconds: Int, reporting handshake: HandshakeWatch?) throws
    -> Bool
  {
    guard let handshake else {
      let ready = try Poller.poll([(self, .readable)], timeoutMilliseconds: timeoutMilliseconds)
      return ready[0].contains(.readable)
    }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(timeoutMilliseconds))
    var remaining = timeoutMilliseconds
    while true {
      let ready = try Poller.poll(
        [(self, .readable), (handshake.events, .readable)], timeoutMilliseconds: remaining)
      if ready[0].contains(.readable) { return true }
      if let failure = try handshake.failure() { throw failure }
      if timeoutMilliseconds >= 0 {
        remaining = max(0, Int(clock.now.duration(to: deadline) / .milliseconds(1)))
        if remaining == 0 { return false }
      }
    }
  }
}
