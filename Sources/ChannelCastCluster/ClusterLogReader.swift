import Foundation
import NATS

/// Reads the cluster's log on a thread of its own (`cc-log-reader`) into a bounded buffer that
/// the command thread takes entries from: the C client's ordered reads block, the command
/// thread must not, and it needs to be woken when entries arrive.
///
/// When the buffer is full the thread waits before reading on (the C client then holds what
/// the server sends, and its ordered consumer starts again from the next sequence after a
/// gap, so nothing is lost or repeated).
///
/// Ownership: the reader thread owns the `OrderedReader`; the buffer is `Buffer`'s, under its
/// lock. One thread (the command thread) takes entries.
final class ClusterLogReader {
  /// Entries held for the command thread at most.
  static let capacity = 16_384
  /// How long the reader goes without an entry before it checks that the stream has none for it.
  static let quietCheck = Duration.seconds(3)

  private let buffer = Buffer()

  /// Starts reading `subject` of `stream` at `startSequence`; `onAvailable` is called (on the
  /// reader thread) when an entry arrives in an empty buffer.
  ///
  /// The C client's ordered consumer starts again by itself after a gap or a reconnect; should
  /// the read fail all the same (its consumer lost with the servers that held it), the thread
  /// makes a new one from the next sequence, every half second until it works: the log is read
  /// once, in order, whatever happens to the servers.
  init(
    connection: NATSConnection, stream: String, subject: String, startSequence: UInt64,
    onAvailable: @escaping @Sendable () -> Void
  ) throws(NATSError) {
    nonisolated(unsafe) var reader: OrderedReader? = try OrderedReader(
      connection: connection, stream: stream, subject: subject, startSequence: startSequence)
    let buffer = buffer
    let thread = Thread {
      defer { buffer.finished.signal() }
      var next = startSequence
      var rereadFrom: UInt64?
      var lastRead = ContinuousClock.now
      while buffer.isRunning {
        do throws(NATSError) {
          if reader == nil {
            reader = try OrderedReader(
              connection: connection, stream: stream, subject: subject, startSequence: next)
            lastRead = .now
          }
          guard let message = try reader?.next(timeoutMilliseconds: 100) else {
            // Quiet for a while: a consumer that lost its way (after the network was cut, say)
            // waits without failing. When the stream holds entries past the last one read, it
            // is made again.
            if ContinuousClock.now - lastRead > Self.quietCheck {
              lastRead = .now
              if try connection.streamState(stream).lastSequence >= next { reader = nil }
            }
            continue
          }
          lastRead = .now
          // Every entry once, in order. The C client's ordered consumer is meant to see to
          // that; should it repeat an entry or skip some after a reconnect, the repeat is
          // passed over and a skip read again, once, from a new consumer, while the stream
          // holds the entries skipped. A hole that stays (entries trimmed before this node
          // read them) goes on to `ClusterLog`, which stops on it.
          if message.streamSequence < next { continue }
          if message.streamSequence > next, rereadFrom != next,
            try connection.streamState(stream).firstSequence <= next
          {
            rereadFrom = next
            reader = nil
            continue
          }
          next = message.streamSequence + 1
          if buffer.put(message) { onAvailable() }
        } catch {
          buffer.note(error)
          reader = nil
          usleep(500_000)
        }
      }
    }
    thread.name = "cc-log-reader"
    thread.start()
  }

  /// The last error reading met, if the reader has not read since (the thread keeps trying).
  var failure: NATSError? { buffer.failure }

  deinit {
    buffer.stop()
  }

  /// The next entry, waiting up to `timeoutMilliseconds` (0: only what is there).
  func next(timeoutMilliseconds: Int = 0) -> StreamMessage? {
    buffer.take(timeoutMilliseconds: timeoutMilliseconds)
  }

  /// The buffer between the two threads.
  ///
  /// `@unchecked Sendable`: every field is guarded by `condition` (an NSCondition, which
  /// ThreadSanitizer sees).
  private final class Buffer: @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [StreamMessage] = []
    private var head = 0
    private var stopped = false
    private var lastFailure: NATSError?
    let finished = DispatchSemaphore(value: 0)

    var isRunning: Bool { condition.withLock { !stopped } }

    /// Adds a message, waiting while the buffer is full; returns whether it was empty.
    func put(_ message: StreamMessage) -> Bool {
      condition.lock()
      defer { condition.unlock() }
      while messages.count - head >= ClusterLogReader.capacity, !stopped { condition.wait() }
      let wasEmpty = messages.count == head
      messages.append(message)
      lastFailure = nil
      condition.broadcast()
      return wasEmpty
    }

    func note(_ error: NATSError) {
      condition.withLock { lastFailure = error }
    }

    var failure: NATSError? { condition.withLock { lastFailure } }

    func take(timeoutMilliseconds: Int) -> StreamMessage? {
      let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
      condition.lock()
      defer { condition.unlock() }
      while messages.count == head {
        guard timeoutMilliseconds > 0, !stopped, condition.wait(until: deadline) else {
          return nil
        }
      }
      let message = messages[head]
      head += 1
      if head == messages.count {
        messages.removeAll(keepingCapacity: true)
        head = 0
      } else if head >= 4096, head * 2 >= messages.count {
        messages.removeFirst(head)
        head = 0
      }
      condition.broadcast()
      return message
    }

    /// Stops the thread and waits until it has ended (within its 100 ms read).
    func stop() {
      let wasRunning = condition.withLock {
        defer {
          stopped = true
          condition.broadcast()
        }
        return !stopped
      }
      if wasRunning { finished.wait() }
    }
  }
}
