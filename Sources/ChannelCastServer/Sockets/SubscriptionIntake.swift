import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Takes consumers' subscriptions in as they arrive, whether or not the daemon is sending, and
/// closes the delivery socket when the daemon stops.
///
/// libzmq applies the subscriptions an XPUB socket has received only when the application
/// calls into that socket, and it stops reading a connection whose queue of unapplied
/// subscriptions is full. A daemon that touched its XPUB only when it sent would leave a
/// gateway's subscriptions waiting while it is idle, and race them against the next broadcast.
/// This thread (`cc-subscribe`) watches the socket's signal descriptor (`ZMQ_FD`) and, whenever
/// it fires, has the endpoint take its subscriptions in. Asked to stop, it closes the endpoint
/// (waiting for a shard that holds it to hand its batch over) and ends.
///
/// Ownership: the endpoint is touched only under its lock. While fan-out is sending, its own
/// sends apply the pending subscriptions, so the thread stays out of its way: it takes the lock
/// only when no batch went out in the last 10 ms and no one holds it.
enum SubscriptionIntake {
  private static let idlePollMilliseconds: Int32 = 100
  /// How recently fan-out must have sent for the thread to leave the socket to it.
  private static let busyMilliseconds: Int64 = 10

  /// Starts watching `signal`, the socket's `ZMQ_FD`.
  static func start(endpoint: LockedDeliveryEndpoint, signal: Int32) throws -> DedicatedThread {
    try DedicatedThread.start(
      name: "cc-subscribe", setUp: {},
      serve: { _, thread in
        defer { endpoint.close() }
        while !thread.isStopRequested {
          var watched = pollfd(fd: signal, events: Int16(POLLIN), revents: 0)
          // A timeout, an interruption or a signal: in each case see what libzmq has pending.
          _ = poll(&watched, 1, idlePollMilliseconds)
          if endpoint.wasUsed(withinMilliseconds: busyMilliseconds) {
            usleep(UInt32(busyMilliseconds) * 1000)
            continue
          }
          let taken = endpoint.withEndpointIfFree { endpoint in
            endpoint?.takeSubscriptionsIn()
            return true
          }
          if taken == nil { usleep(1000) }
        }
      })
  }
}
