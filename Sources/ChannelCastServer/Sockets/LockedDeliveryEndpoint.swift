import Foundation
import Synchronization
import ZeroMQ

/// The delivery socket and what its consumers subscribe to, confined by one lock: whoever holds
/// it is their one owner (a fan-out shard handing over a batch, the subscription intake, or
/// `close()`).
///
/// `@unchecked Sendable`: `endpoint` is read and written only inside `withEndpoint`,
/// `withEndpointIfFree` and `close`, under `lock`. The lock is an `NSLock` (a pthread mutex)
/// rather than `Mutex` so that ThreadSanitizer, which understands pthreads, sees the ordering it
/// provides.
final class LockedDeliveryEndpoint: @unchecked Sendable {
  /// The XPUB socket and the topics its consumers subscribe to.
  struct Endpoint {
    let socket: Socket
    var subscribedTopics = SubscribedTopics()

    /// Makes libzmq apply the subscriptions that have arrived, and reads the messages XPUB
    /// queues for the application, one per topic that gained its first subscriber or lost its
    /// last.
    mutating func takeSubscriptionsIn() {
      // A receive that finds nothing to read first processes libzmq's pending commands, which
      // applies every subscription waiting in the consumers' queues. Topics longer than the
      // buffer are cut short: no user topic is that long (a userID has at most 64 bytes).
      withUnsafeTemporaryAllocation(byteCount: 512, alignment: 1) { buffer in
        while let size = try? socket.receive(into: buffer, dontWait: true) {
          subscribedTopics.apply(UnsafeRawBufferPointer(rebasing: buffer.prefix(size)))
        }
      }
    }
  }

  private let lock = NSLock()
  private var endpoint: Endpoint?
  private let topicCount = Atomic<Int>(0)
  /// When `withEndpoint` last released the lock (monotonic nanoseconds): fan-out's sends make
  /// libzmq apply subscriptions themselves.
  private let lastUseNanoseconds = Atomic<Int64>(0)

  init(_ endpoint: consuming sending Endpoint) {
    self.endpoint = endpoint
  }

  /// How many topics the consumers subscribe to, as of the last time the lock was released.
  var subscribedTopicCount: Int { topicCount.load(ordering: .relaxed) }

  /// Runs `body` with the endpoint while holding the lock; nil after `close()`.
  func withEndpoint<Result>(_ body: (inout Endpoint?) -> Result) -> Result {
    defer { lastUseNanoseconds.store(Self.now(), ordering: .relaxed) }
    return lock.withLock { publishingTopicCount(body) }
  }

  /// Whether `withEndpoint` ran within the last `milliseconds`.
  func wasUsed(withinMilliseconds milliseconds: Int64) -> Bool {
    Self.now() - lastUseNanoseconds.load(ordering: .relaxed) < milliseconds * 1_000_000
  }

  private static func now() -> Int64 {
    Int64(DispatchTime.now().uptimeNanoseconds)
  }

  /// Runs `body` with the endpoint if no one else holds the lock; nil without running it if
  /// someone does.
  func withEndpointIfFree<Result>(_ body: (inout Endpoint?) -> Result) -> Result? {
    guard lock.try() else { return nil }
    defer { lock.unlock() }
    return publishingTopicCount(body)
  }

  private func publishingTopicCount<Result>(_ body: (inout Endpoint?) -> Result) -> Result {
    defer { topicCount.store(endpoint?.subscribedTopics.count ?? 0, ordering: .relaxed) }
    return body(&endpoint)
  }

  /// Closes the socket (waiting for a current user to finish).
  func close() {
    lock.withLock {
      endpoint?.socket.close()
      endpoint = nil
    }
  }
}
