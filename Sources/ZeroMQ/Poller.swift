import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Waits for several sockets at once (`zmq_poll`).
public enum Poller {
  /// Waits until at least one socket is ready for one of its requested events, or until the
  /// timeout expires.
  ///
  /// All sockets must belong to the calling thread, like every other call on them.
  /// - Parameters:
  ///   - items: the sockets and the events to wait for on each.
  ///   - timeoutMilliseconds: how long to wait; 0 returns at once, -1 waits forever.
  /// - Returns: the events ready on each socket, in the order of `items`; all empty on timeout.
  ///   An interrupted wait (`EINTR`) is resumed for the time left; `ETERM` is thrown.
  public static func poll(
    _ items: [(socket: Socket, events: PollEvents)], timeoutMilliseconds: Int
  ) throws(ZMQError) -> [PollEvents] {
    var pollItems: [zmq_pollitem_t] = []
    pollItems.reserveCapacity(items.count)
    for item in items {
      let socket = try item.socket.handle(for: "zmq_poll")
      pollItems.append(
        zmq_pollitem_t(socket: socket, fd: 0, events: item.events.rawValue, revents: 0))
    }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(timeoutMilliseconds))
    var remaining = timeoutMilliseconds
    while zmq_poll(&pollItems, Int32(pollItems.count), remaining) == -1 {
      let code = zmq_errno()
      guard code == EINTR else { throw ZMQError(code: code, operation: "zmq_poll") }
      if timeoutMilliseconds > 0 {
        remaining = max(0, milliseconds(clock.now.duration(to: deadline)))
      }
    }
    return pollItems.map { PollEvents(rawValue: $0.revents) }
  }

  private static func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }
}
