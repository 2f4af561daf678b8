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
    try poll(items, readableDescriptors: [], timeoutMilliseconds: timeoutMilliseconds).sockets
  }

  /// Like ``poll(_:timeoutMilliseconds:)``, also waiting for plain file descriptors to become
  /// readable (an `eventfd` other threads signal, for instance).
  ///
  /// - Returns: the events ready on each socket and on each descriptor, in the given orders.
  public static func poll(
    _ items: [(socket: Socket, events: PollEvents)], readableDescriptors: [Int32],
    timeoutMilliseconds: Int
  ) throws(ZMQError) -> (sockets: [PollEvents], descriptors: [PollEvents]) {
    var pollItems: [zmq_pollitem_t] = []
    pollItems.reserveCapacity(items.count + readableDescriptors.count)
    for item in items {
      let socket = try item.socket.handle(for: "zmq_poll")
      pollItems.append(
        zmq_pollitem_t(socket: socket, fd: 0, events: item.events.rawValue, revents: 0))
    }
    for descriptor in readableDescriptors {
      pollItems.append(
        zmq_pollitem_t(socket: nil, fd: descriptor, events: Int16(ZMQ_POLLIN), revents: 0))
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
    let events = pollItems.map { PollEvents(rawValue: $0.revents) }
    return (Array(events[..<items.count]), Array(events[items.count...]))
  }

  private static func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }
}
