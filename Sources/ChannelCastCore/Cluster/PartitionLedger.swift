/// Who owns each partition, as every node reads it from the replicated log, and which entries
/// of a partition take effect: the fence between an old owner and its successor.
///
/// An owner's term is an epoch. A node takes a partition over by appending a claim for the
/// epoch after the current one; the first such claim in log order wins, for every reader, and
/// a later claim for the same epoch (a node that lost the race) changes nothing. A record takes
/// effect only when it carries the current owner's node and epoch: a record that an old owner
/// appended after it was replaced (it paused, or was cut off, and did not know) is ignored by
/// every reader alike, as is one from a claimant that lost. An owner hands a partition on by
/// appending a release of its term: the partition then has no owner, and the next claim (for
/// the next epoch) takes it. JetStream's own checks are not
/// enough for this in nats-server 2.9 (its expected-sequence check is pre-checked on the
/// leader only), so the fence lives in the entries and in this rule.
///
/// Ownership: a value applied in log order by one reader; two readers fed the same entries give
/// the same verdicts, which `PartitionLedgerTests` checks.
public struct PartitionLedger: Sendable {
  /// A partition's owner: the node, and the epoch of its term.
  public struct Owner: Sendable, Equatable {
    public let node: String
    public let epoch: UInt64

    public init(node: String, epoch: UInt64) {
      self.node = node
      self.epoch = epoch
    }
  }

  /// What the log holds about a partition, in the order the log holds it.
  public enum Entry: Sendable, Equatable {
    /// `node` takes the partition over for `epoch`, which should be the current epoch + 1.
    case claim(partition: Int, node: String, epoch: UInt64)
    /// A record that `node` sequenced as the owner for `epoch`.
    case record(partition: Int, node: String, epoch: UInt64)
    /// `node` ends its term `epoch`: it appends nothing more for the partition.
    case release(partition: Int, node: String, epoch: UInt64)
  }

  /// What an entry did.
  public enum Verdict: Sendable, Equatable {
    /// A claim that made its node the owner, or a record of the current owner: it takes effect.
    case applies
    /// A claim for an epoch that is not the next one (it lost the race, or came too late).
    case staleClaim(current: Owner?)
    /// A record (or a release) not from the current owner's term: fenced off, it changes
    /// nothing.
    case fencedRecord(current: Owner?)
  }

  private var owners: [Int: Owner] = [:]
  /// The epoch of each partition's last term, whether it is still under way or released.
  private var epochs: [Int: UInt64] = [:]

  public init() {}

  /// A partition's last term, as a snapshot keeps it.
  public struct Term: Sendable, Equatable {
    public let partition: Int
    public let epoch: UInt64
    /// The term's node while it is under way; nil once released.
    public let owner: String?

    public init(partition: Int, epoch: UInt64, owner: String?) {
      self.partition = partition
      self.epoch = epoch
      self.owner = owner
    }
  }

  /// Every partition's last term, by partition: all a ledger knows.
  public var terms: [Term] {
    epochs.keys.sorted().map { partition in
      Term(partition: partition, epoch: epochs[partition]!, owner: owners[partition]?.node)
    }
  }

  /// The ledger `terms` came from.
  public init(terms: [Term]) {
    for term in terms {
      epochs[term.partition] = term.epoch
      if let owner = term.owner {
        owners[term.partition] = Owner(node: owner, epoch: term.epoch)
      }
    }
  }

  /// The partition's owner, nil while no claim took effect.
  public func owner(of partition: Int) -> Owner? {
    owners[partition]
  }

  /// The epoch a node claiming `partition` now should claim.
  public func nextEpoch(of partition: Int) -> UInt64 {
    (epochs[partition] ?? 0) + 1
  }

  /// Applies the next entry of the log.
  public mutating func apply(_ entry: Entry) -> Verdict {
    switch entry {
    case .claim(let partition, let node, let epoch):
      guard epoch == nextEpoch(of: partition) else {
        return .staleClaim(current: owners[partition])
      }
      owners[partition] = Owner(node: node, epoch: epoch)
      epochs[partition] = epoch
      return .applies
    case .record(let partition, let node, let epoch):
      guard let owner = owners[partition], owner.node == node, owner.epoch == epoch else {
        return .fencedRecord(current: owners[partition])
      }
      return .applies
    case .release(let partition, let node, let epoch):
      guard let owner = owners[partition], owner.node == node, owner.epoch == epoch else {
        return .fencedRecord(current: owners[partition])
      }
      owners[partition] = nil
      return .applies
    }
  }
}
