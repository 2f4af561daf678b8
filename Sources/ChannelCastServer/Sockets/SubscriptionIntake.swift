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
/// Ownership: the endpoint is touched only under its lock. While fan-out is sending, its own
/// sends apply the pending subscriptions, so the thread stays out of its way: it takes the lock
/// only when no batch went out in the last 10 ms and no one holds it.
final class SubscriptionIntake: Sendable {
  private static let idlePollMilliseconds: Int32 = 100
  /// How recently fan-out must have sent for the thread to leave the socket to it.
  private static let busyMilliseconds: Int64 = 10
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
          if endpoint.wasUsed(withinMilliseconds: Self.busyMilliseconds) {
            usleep(UInt32(Self.busyMilliseconds) * 1000)
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

  /// Stops the thread (before the socket is closed) and waits for it.
  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }
}
