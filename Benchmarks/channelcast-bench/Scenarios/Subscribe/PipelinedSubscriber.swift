import ChannelCastClient
import ChannelCastProtocol
import Foundation
import Synchronization
import ZeroMQ

/// One client of the subscribe scenario: its own thread and DEALER, sending single-user
/// requests (not batches, since that is what a gateway does as users tap "subscribe") with up to
/// `window` of them in flight.
///
/// The thread connects first and then waits for `start()`, so that every client of a
/// measurement begins at the same moment and connecting is not timed.
final class PipelinedSubscriber: Sendable {
  /// When this client's last reply arrived, and how many requests failed.
  struct Outcome {
    let finished: UInt64
    let failures: Int
    let firstFailure: String?
  }

  private let ready = DispatchSemaphore(value: 0)
  private let go = DispatchSemaphore(value: 0)
  private let done = DispatchSemaphore(value: 0)
  private let outcome = Mutex<Result<Outcome, BenchmarkError>?>(nil)

  /// Starts the thread that will send `op` for users `c<client>-u<number>` with numbers in
  /// `users`, user number n to channel `channelIDs[n % channelIDs.count]`.
  init(
    client: Int, op: RequestOp, users: Range<Int>, channelIDs: [String], window: Int,
    endpoint: String, context: ZMQContext, deadline: Deadline
  ) {
    let thread = Thread { [self] in
      defer { done.signal() }
      let result: Result<Outcome, BenchmarkError>
      do {
        let connection = try ChannelCastClient(
          endpoint: endpoint, context: context, timeoutMilliseconds: 30_000)
        ready.signal()
        go.wait()
        result = .success(
          try Self.perform(
            op, client: client, users: users, channelIDs: channelIDs, window: window,
            over: connection, deadline: deadline))
      } catch {
        ready.signal()
        result = .failure(BenchmarkError("client \(client): \(error)"))
      }
      outcome.withLock { $0 = result }
    }
    thread.name = "bench.subscriber-\(client)"
    thread.start()
  }

  static func userID(client: Int, number: Int) -> String { "c\(client)-u\(number)" }

  func waitUntilConnected() { ready.wait() }

  func start() { go.signal() }

  /// Waits for the thread to finish and returns what it measured.
  func finish() throws -> Outcome {
    done.wait()
    done.signal()
    guard let result = outcome.withLock({ $0 }) else {
      throw BenchmarkError("a subscribe client ended without a result")
    }
    return try result.get()
  }

  private static let success = Array(#""ok":true"#.utf8)

  /// Whether a reply's head, `{"id":N,"ok":...}`, says ok: looking at the head avoids parsing
  /// the channel info. A plain window comparison: Foundation's `firstRange(of:)` on byte
  /// collections allocated for every byte it compared, about 68 allocations per reply, which
  /// took CPU from the daemon on a 2-core machine.
  private static func isSuccess(_ reply: [UInt8]) -> Bool {
    let head = reply.prefix(40)
    guard head.count >= success.count else { return false }
    return (head.startIndex...(head.endIndex - success.count)).contains { start in
      head[start..<(start + success.count)].elementsEqual(success)
    }
  }

  private static func perform(
    _ op: RequestOp, client: Int, users: Range<Int>, channelIDs: [String], window: Int,
    over connection: ChannelCastClient, deadline: Deadline
  ) throws -> Outcome {
    var next = users.lowerBound
    var inFlight = 0
    var failures = 0
    var firstFailure: String?
    var replies = 0
    while next < users.upperBound || inFlight > 0 {
      if replies % 1024 == 0 { try deadline.check() }
      while inFlight < window && next < users.upperBound {
        try connection.send(
          connection.request(op) {
            $0.add("userID", userID(client: client, number: next))
            $0.add("officialAccountID", channelIDs[next % channelIDs.count])
          })
        next += 1
        inFlight += 1
      }
      let reply = try connection.receiveRawReply()
      inFlight -= 1
      replies += 1
      if !Self.isSuccess(reply) {
        failures += 1
        if firstFailure == nil { firstFailure = String(decoding: reply, as: UTF8.self) }
      }
    }
    return Outcome(
      finished: MonotonicClock.nanoseconds(), failures: failures, firstFailure: firstFailure)
  }
}
