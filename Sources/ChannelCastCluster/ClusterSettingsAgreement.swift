import NATS

/// The settings every node of a cluster must share, and the check that a node's agree with
/// the cluster's: the first node to start writes them to the cluster's key-value bucket; every
/// node after it compares, and refuses to start on a difference, naming both values. A node
/// that partitioned channels or users otherwise would put them in other partitions than the
/// rest and apply the log differently.
public struct ClusterSettingsAgreement: Sendable, Equatable {
  public var channelPartitions: Int
  public var userPartitions: Int

  public init(channelPartitions: Int, userPartitions: Int) {
    self.channelPartitions = channelPartitions
    self.userPartitions = userPartitions
  }

  /// The key the settings are stored under.
  public static let key = "settings"

  /// Stores these settings as the cluster's if it has none yet; else compares. Throws
  /// `ClusterSettingsMismatch` when they differ from the cluster's.
  public func check(against bucket: KeyValueBucket) throws {
    if try bucket.create(Self.key, encoded()) != nil { return }
    guard let stored = try bucket.get(Self.key) else {
      throw ClusterSettingsMismatch(mine: self, cluster: nil)
    }
    let cluster = try Self.decode(stored.value)
    guard cluster == self else { throw ClusterSettingsMismatch(mine: self, cluster: cluster) }
  }

  /// `channelPartitions=N userPartitions=M`: readable in the bucket.
  func encoded() -> [UInt8] {
    Array("channelPartitions=\(channelPartitions) userPartitions=\(userPartitions)".utf8)
  }

  static func decode(_ bytes: [UInt8]) throws -> ClusterSettingsAgreement {
    var values: [String: Int] = [:]
    for field in String(decoding: bytes, as: UTF8.self).split(separator: " ") {
      let parts = field.split(separator: "=")
      if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
    }
    guard let channels = values["channelPartitions"], let users = values["userPartitions"] else {
      throw ClusterSettingsMismatch(mine: nil, cluster: nil)
    }
    return ClusterSettingsAgreement(channelPartitions: channels, userPartitions: users)
  }
}

/// A node's settings differ from the cluster's (or the cluster's cannot be read).
public struct ClusterSettingsMismatch: Error, CustomStringConvertible {
  public let mine: ClusterSettingsAgreement?
  public let cluster: ClusterSettingsAgreement?

  public var description: String {
    guard let mine, let cluster else {
      return "the cluster's settings in its key-value bucket cannot be read"
    }
    return
      "this node has clusterChannelPartitions = \(mine.channelPartitions) and "
      + "clusterUserPartitions = \(mine.userPartitions); the cluster has "
      + "\(cluster.channelPartitions) and \(cluster.userPartitions): every node must have the "
      + "cluster's values"
  }
}
