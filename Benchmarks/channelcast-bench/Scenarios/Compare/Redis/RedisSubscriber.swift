import Foundation
import Synchronization

/// The Redis counterpart of `DeliveryCounter`: a connection on its own thread with
/// `PSUBSCRIBE *` that counts every published message, with the arrival time of the last.
///
/// The connection is made and used only on the subscriber's thread; other threads read the
/// counters.
final class RedisSubscriber: Sendable {
  /// What to do with each message's channel, on the subscriber's thread.
  typealias Inspector = @Sendable (UnsafeRawBufferPointer) -> Void

  private let received = Atomic<Int>(0)
  private let lastArrival = Atomic<UInt64>(0)
  private let stopRequested = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  private let failure = Mutex<String?>(nil)

  /// Connects, subscribes to every channel and returns once Redis confirmed the subscription:
  /// everything published after that reaches this subscriber.
  init(port: Int, inspect: @escaping Inspector) throws {
    let ready = DispatchSemaphore(value: 0)
    let thread = Thread { [self] in
      defer { finished.signal() }
      do {
        let deadline = Deadline("redis subscriber connection", seconds: 30)
        let connection = try RedisConnection(port: port, deadline: deadline)
        try connection.send([[Array("PSUBSCRIBE".utf8), [UInt8(ascii: "*")]]], deadline: deadline)
        _ = try connection.reply(deadline: deadline)
        ready.signal()
        while !stopRequested.load(ordering: .relaxed) {
          // false after a quiet poll interval: look at the stop flag again.
          _ = try connection.nextPushed(handing: 2) { channel in
            lastArrival.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
            inspect(channel)
            received.add(1, ordering: .releasing)
          }
        }
      } catch {
        failure.withLock { $0 = "\(error)" }
        ready.signal()
      }
    }
    thread.name = "bench.redis-subscriber"
    thread.start()
    ready.wait()
    if let failure = failure.withLock({ $0 }) { throw BenchmarkError("redis consumer: \(failure)") }
  }

  var count: Int { received.load(ordering: .acquiring) }
  var lastArrivalNanoseconds: UInt64 { lastArrival.load(ordering: .acquiring) }

  /// Forgets what was counted so far (call only while nothing is arriving).
  func reset() {
    received.store(0, ordering: .releasing)
    lastArrival.store(0, ordering: .releasing)
  }

  /// Waits until `expected` messages have been counted, or throws at the deadline.
  func wait(forCount expected: Int, deadline: Deadline) throws {
    while count < expected {
      if let failure = failure.withLock({ $0 }) {
        throw BenchmarkError("redis consumer: \(failure)")
      }
      if deadline.hasPassed {
        throw BenchmarkError(
          "\(deadline.what): received \(count) of \(expected) messages within "
            + "\(Int(deadline.seconds)) s")
      }
      usleep(200)
    }
  }

  func stop() {
    stopRequested.store(true, ordering: .relaxed)
    finished.wait()
    finished.signal()
  }
}
