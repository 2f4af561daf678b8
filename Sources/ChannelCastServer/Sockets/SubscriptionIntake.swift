import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Takes consumers' subscriptions in as they arrive, whether or not the daemon is sending.
///
/// libzmq applies the subscriptions an XPUB socket has received only when the application
/// calls into that socket, and it stops reading a connection whose queue of unapplied
/// subscriptions is full. A daemon that touched its XPUB only when it sent would leave a
/// gateway's subscriptions waiting while it is idle, and race them against the next broadcast.
/// This thread (`cc-subscribe`) watches the socket's signal descriptor (`ZMQ_FD`) and, whenever
/// it fires, has the endpoint take its subscriptions in.
///
/// Ownership: the endpoint is touched only under its lock. When a shard holds the lock, the
/// shard's own sends apply the pending subscriptions, so the thread does not queue up behind
/// it: it looks again a millisecond later.
final class SubscriptionIntake: Sendable {
  private static let idlePollMilliseconds: Int32 = 100
  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)

  /// Starts watching `signal`, the socket's `ZMQ_FD`.
  init(endpoint: LockedDeliveryEndpoint, signal: Int32) throws {
    try SocketThread.start(
      name: "cc-subscribe", finished: finished, setUp: {},
      serve: { [self] in
        while !stopRequested.load(ordering: .relaxed) {
          var watched = pollfd(fd: signal, events: Int16(POLLIN), revents: 0)
          // A timeout, an interruption or a signal: in each case see what libzmq has pending.
          _ = poll(&watched, 1, Self.idlePollMilliseconds)
          let taken = endpoint.withEndpointIfFree { endpoint in
            endpoint?.takeSubscriptionsIn()
            return true
          }
          if taken == nil { usleep(1000) }
        }
      })
  }

  /// Stops the thread (before the socket is closed) and waits for it.
  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }
}
