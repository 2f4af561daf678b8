import Foundation

/// What other threads hand a cluster node's command thread: requests other nodes forwarded to
/// it, replies to the requests it forwarded, and news that the live nodes changed. Each
/// arrival wakes the command thread out of its poll.
///
/// Bounded: at most `maxForwardedRequests` requests wait; the C client's thread that delivers
/// one more answers it `overloaded` itself (`post` returns false). Replies are bounded by the
/// forwards waiting for them, which the command thread bounds.
///
/// `@unchecked Sendable`: the lists are guarded by `lock` (an NSLock, which ThreadSanitizer
/// sees).
final class ClusterInbox: @unchecked Sendable {
  static let maxForwardedRequests = 10_000

  struct ForwardedRequest {
    let frame: [UInt8]
    /// The subject to send the reply to.
    let replyTo: String
  }

  struct ForwardReply {
    let token: UInt64
    let reply: [UInt8]
    /// Nothing subscribed to the owner's subject: the request reached nobody.
    let reachedNobody: Bool
  }

  let wake: WakeSignal
  private let lock = NSLock()
  private var requests: [ForwardedRequest] = []
  private var replies: [ForwardReply] = []
  private var membersChanged = false

  init() throws(DaemonPartError) {
    wake = try WakeSignal()
  }

  /// Adds a forwarded request; false when `maxForwardedRequests` already wait.
  func post(_ request: ForwardedRequest) -> Bool {
    let taken = lock.withLock {
      guard requests.count < Self.maxForwardedRequests else { return false }
      requests.append(request)
      return true
    }
    if taken { wake.signal() }
    return taken
  }

  func post(_ reply: ForwardReply) {
    lock.withLock { replies.append(reply) }
    wake.signal()
  }

  func postMembersChanged() {
    lock.withLock { membersChanged = true }
    wake.signal()
  }

  /// Wakes the command thread (entries arrived in the log).
  func signal() {
    wake.signal()
  }

  /// Takes everything that has arrived (command thread).
  func take() -> (requests: [ForwardedRequest], replies: [ForwardReply], membersChanged: Bool) {
    lock.withLock {
      defer {
        requests.removeAll(keepingCapacity: true)
        replies.removeAll(keepingCapacity: true)
        membersChanged = false
      }
      return (requests, replies, membersChanged)
    }
  }
}
