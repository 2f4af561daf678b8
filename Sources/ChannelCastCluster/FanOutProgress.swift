import ChannelCastCore
import ChannelCastProtocol

/// How far a cluster node has handed the log's messages to its users: the messages whose
/// fan-out it started and has not finished, and the latest messages it applied, with their
/// places in the log. The first gives the watermark its heartbeats carry; the second, what a
/// node sends again when it takes user partitions over from another.
///
/// Ownership: a value of the command thread (`ClusterLog`'s).
struct FanOutProgress {
  /// The latest messages kept, at most (between this and twice this many).
  static let recentMessagesLimit = 4096

  private struct MessageKey: Hashable {
    let officialAccountID: ByteString
    let seq: UInt64
  }

  /// The messages being fanned out, with their stream sequences.
  private var inFlight: [MessageKey: UInt64] = [:]
  /// The latest messages applied, oldest first (as they were applied), with their sequences.
  private var recent: [(sequence: UInt64, message: JournalRecord.SentMessage)] = []

  init() {}

  /// The progress of a node that starts from a snapshot: nothing in flight, its latest messages.
  init(recent: [(sequence: UInt64, message: JournalRecord.SentMessage)]) {
    self.recent = recent
  }

  /// The latest messages applied, oldest first, with their sequences: what a snapshot keeps.
  var recentMessages: [(sequence: UInt64, message: JournalRecord.SentMessage)] {
    Array(recent.suffix(Self.recentMessagesLimit))
  }

  /// A message applied at stream sequence `sequence`; its fan-out started when `fanningOut`.
  mutating func applied(_ message: JournalRecord.SentMessage, at sequence: UInt64, fanningOut: Bool)
  {
    if fanningOut {
      inFlight[MessageKey(officialAccountID: message.officialAccountID, seq: message.seq)] =
        sequence
    }
    recent.append((sequence, message))
    if recent.count > 2 * Self.recentMessagesLimit {
      recent.removeFirst(recent.count - Self.recentMessagesLimit)
    }
  }

  /// A message's fan-out finished.
  mutating func finished(_ officialAccountID: ByteString, seq: UInt64) {
    inFlight[MessageKey(officialAccountID: officialAccountID, seq: seq)] = nil
  }

  /// A channel was deleted: its fan-outs are never reported finished.
  mutating func forget(_ officialAccountID: ByteString) {
    inFlight = inFlight.filter { $0.key.officialAccountID != officialAccountID }
  }

  /// The stream sequence up to which every message's fan-out has finished, when the node has
  /// applied the log up to `applied`.
  func watermark(applied: UInt64) -> UInt64 {
    inFlight.values.min().map { $0 - 1 } ?? applied
  }

  /// The messages after stream sequence `after` and before `before` among the latest applied,
  /// in the order they were applied.
  func messages(after: UInt64, before: UInt64) -> [JournalRecord.SentMessage] {
    recent.filter { $0.sequence > after && $0.sequence < before }.map(\.message)
  }
}
