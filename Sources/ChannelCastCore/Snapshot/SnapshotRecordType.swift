/// The records of a snapshot file (format version 2), in the order they appear:
///
/// - `header`: when it was taken and what it holds (user, channel and subscription counts).
/// - per channel: `channel` (every field and the `clientMsgID`s still remembered), then its
///   retained stream in `history` blocks. Channels are numbered in the order they appear; later
///   records name a channel by that ordinal.
/// - `retiredSeq` per deleted channel ID whose seq a re-created channel continues.
/// - `users` blocks: each user's ID, in user-number order from 0, with the user's subscriptions
///   (channel ordinal, subscribe time, message flag).
/// - `customData` blocks: the subscriptions' custom data.
/// - `inFlightMessage` per sent message whose fan-out had not finished.
/// - `eventFeed`: the event feed's last `logSeq` (since version 2; a version 1 snapshot has
///   none, and its `logSeq` counts as 0).
/// - `end`: the number of records before it, so that a snapshot cut short is never taken as
///   whole.
///
/// The numbers are part of the on-disk format: never reuse or renumber one.
public enum SnapshotRecordType: UInt8, Sendable {
  case header = 1
  case channel = 2
  case history = 3
  case retiredSeq = 4
  case users = 5
  case customData = 6
  case inFlightMessage = 7
  case end = 8
  case eventFeed = 9
}

/// Where a snapshot's records go: the daemon's snapshot file.
public protocol SnapshotOutput {
  mutating func append(type: SnapshotRecordType, _ body: (inout [UInt8]) -> Void) throws
}
