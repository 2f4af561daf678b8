import ChannelCastCore
import ChannelCastProtocol
import Foundation
import NATS

/// Reading the log in order, through the ledgers, and applying it.
extension ClusterLog {
  /// Reads one entry into the ledgers, waiting until `deadline` at most; returns whether one
  /// came. A record of this node that does not take effect throws: the node applied it when it
  /// decided it, so its state is no longer the log's.
  func read(waitingUntil deadline: ContinuousClock.Instant?) throws -> Bool {
    let wait =
      deadline.map { max(0, Int((ContinuousClock.now.duration(to: $0)) / .milliseconds(1))) } ?? 0
    guard let message = reader.next(timeoutMilliseconds: wait) else { return false }
    // Every entry once, in order: one read before (a consumer made again) is passed over;
    // one after a hole means the entries between were trimmed.
    if message.streamSequence <= readSequence { return true }
    guard message.streamSequence == readSequence + 1 else {
      throw ClusterLogError.gap(expected: readSequence + 1, found: message.streamSequence)
    }
    let entry = try LogEntry.decode(message.data)
    let ledger = entry.space == .channels ? channelLedger : userLedger
    let previousOwner = ledger.owner(of: entry.partition)?.node
    let verdict =
      entry.space == .channels
      ? channelLedger.apply(entry.ledgerEntry) : userLedger.apply(entry.ledgerEntry)
    let takesEffect = verdict == .applies
    if !takesEffect { fencedEntries += 1 }
    readSequence = message.streamSequence
    pendingAtLastRead = message.pending
    let isOwnRecord = awaitingReadBack.first == message.streamSequence
    if isOwnRecord {
      awaitingReadBack.removeFirst()
      guard takesEffect else {
        throw ClusterLogError.fencedOff(partition: entry.partition, verdict: "\(verdict)")
      }
      // Its fan-out starts when the commit returns, before the entry is applied in turn.
      if case .record(.messageSent(let sent)) = entry.content {
        progress.applied(sent, at: message.streamSequence, fanningOut: true)
      }
    }
    unapplied.append(
      ReadEntry(
        entry: entry, sequence: message.streamSequence, takesEffect: takesEffect,
        isOwnRecord: isOwnRecord, previousOwner: previousOwner))
    return true
  }

  /// Applies, in log order, what has been read and what the reader has ready (up to `limit`
  /// entries), the records to `service` (which sends their events to this node's users);
  /// returns how many entries it applied. Throws if the service refuses a record (the log and
  /// the state disagree) or the reader failed.
  @discardableResult
  public func applyAvailable(
    to service: ChannelCastService, limit: Int = 4096, sendingEvents: Bool = true
  ) throws -> Int {
    var count = 0
    while count < limit {
      if unapplied.isEmpty, try !read(waitingUntil: nil) { break }
      for read in unapplied {
        if !takeoversToTell.isEmpty, !read.isUserClaim { tellTakeovers() }
        try apply(read, to: service, sendingEvents: sendingEvents)
      }
      count += unapplied.count
      unapplied.removeAll(keepingCapacity: true)
    }
    if !takeoversToTell.isEmpty { tellTakeovers() }
    service.releaseDeliveries(through: appliedSequence)
    return count
  }

  /// Applies entries until the one at `sequence` is applied, waiting for them up to
  /// `timeoutMilliseconds`; returns whether it got there. Without `sendingEvents` (a node
  /// starting), the records change the state and send nothing.
  public func catchUp(
    to sequence: UInt64, service: ChannelCastService, timeoutMilliseconds: Int64,
    sendingEvents: Bool = true
  ) throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
    while appliedSequence < sequence {
      try applyAvailable(to: service, sendingEvents: sendingEvents)
      if appliedSequence < sequence, try !read(waitingUntil: deadline) { return false }
    }
    return true
  }

  func apply(_ read: ReadEntry, to service: ChannelCastService, sendingEvents: Bool)
    throws
  {
    defer { appliedSequence = read.sequence }
    if read.isOwnRecord {
      // Applied when decided; its deliveries leave now, after those of the entries before it.
      service.releaseDeliveries(through: read.sequence)
      return
    }
    guard read.takesEffect else { return }
    let entry = read.entry
    if case .record(.messageSent(let message)) = entry.content {
      progress.applied(message, at: read.sequence, fanningOut: sendingEvents)
    }
    switch entry.content {
    case .record(let record):
      if case .channelDeleted(let id) = record { progress.forget(id) }
      do {
        try service.applyReplicated(record, sendingEvents: sendingEvents)
      } catch {
        // A record that does not follow from the ones before it (say, published again after a
        // timeout behind a later one) is a no-op, the same on every node, rather than a reason
        // for every node to stop.
        refusedRecords.append("\(error)")
      }
    case .claim:
      let mine = entry.node == identity
      if mine, entry.epoch > 1 { takeovers += 1 }
      switch entry.space {
      case .channels:
        servedChannelPartitions[entry.partition] = mine ? entry.epoch : nil
      case .users:
        servedUserPartitions[entry.partition] = mine ? entry.epoch : nil
        userPartitionsChanged?(Set(servedUserPartitions.keys))
        let released = releasedBy.removeValue(forKey: entry.partition)
        guard mine else { break }
        if let previous = read.previousOwner {
          // Taken from a node that stopped heartbeating: it handed over what its watermark says.
          if previous != identity {
            takeoversToTell.append(
              Takeover(
                partition: entry.partition, from: previous, at: read.sequence,
                handedOverThrough: nil))
          }
        } else {
          // Nobody delivered to the partition's users since its release (which may be this
          // node's own: it takes back what it let go when the node it went to did not claim
          // it), or ever, on its first claim (a message may come before it).
          takeoversToTell.append(
            Takeover(
              partition: entry.partition, from: released?.node ?? identity, at: read.sequence,
              handedOverThrough: released?.handedOverThrough ?? 0))
        }
      }
    case .release:
      // This node stopped serving it when it appended the release (and again here, should the
      // append have timed out and the release made it into the log after all). Whoever claims
      // it next sends again what the releasing node may not have handed over.
      switch entry.space {
      case .channels:
        if entry.node == identity { servedChannelPartitions[entry.partition] = nil }
      case .users:
        if entry.node == identity, servedUserPartitions.removeValue(forKey: entry.partition) != nil
        {
          userPartitionsChanged?(Set(servedUserPartitions.keys))
        }
        releasedBy[entry.partition] = (entry.node, entry.handedOverThrough)
      }
    }
  }

  func tellTakeovers() {
    let takeovers = takeoversToTell
    takeoversToTell.removeAll()
    userPartitionsTakenOver?(takeovers)
  }
}
