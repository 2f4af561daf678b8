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
/// Ownership: the endpoint is touched only under its lock. When a shard holds the lock, the
/// shard's own sends apply the pending subscriptions, so the thread does not queue up behind
/// it: it looks again a millisecond later.
enum SubscriptionIntake {
  private static let idlePollMilliseconds: Int32 = 100

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
          let taken = endpoint.withEndpointIfFree { endpoint in
            endpoint?.takeSubscriptionsIn()
            return true
          }
          if taken == nil { usleep(1000) }
        }
      })
  }
}
