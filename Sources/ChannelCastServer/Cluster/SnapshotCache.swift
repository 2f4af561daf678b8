import ChannelCastCluster
import ChannelCastCore
import Foundation
import Logging

/// A cluster node's copy of the latest snapshot it loaded, in its data directory
/// (`cluster-snapshot-<logSequence>.ccs`), so that a node started again loads it from disk
/// when the cluster's latest is still that one. Only a cache: used when its size and hash match
/// the manifest, written with a rename so that it is whole or absent, and the directory may be
/// emptied at any time.
///
/// Ownership: used on the command thread while the node starts.
struct SnapshotCache {
  let directory: String

  private func path(_ manifest: ClusterSnapshotStore.Manifest) -> String {
    "\(directory)/cluster-snapshot-\(manifest.logSequence).ccs"
  }

  /// The bytes of the snapshot `manifest` names, when the copy holds exactly them.
  func bytes(of manifest: ClusterSnapshotStore.Manifest) -> [UInt8]? {
    guard let data = FileManager.default.contents(atPath: path(manifest)),
      data.count == manifest.bytes
    else { return nil }
    let bytes = [UInt8](data)
    return StableHash.fnv1a64(bytes) == manifest.hash ? bytes : nil
  }

  /// Keeps `bytes` as the copy of `manifest`'s snapshot, in place of any other; a failure is
  /// logged (the next start fetches the snapshot again).
  func keep(_ bytes: [UInt8], of manifest: ClusterSnapshotStore.Manifest, logger: Logger) {
    let target = path(manifest)
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: target), options: .atomic)
      for name in try FileManager.default.contentsOfDirectory(atPath: directory)
      where name.hasPrefix("cluster-snapshot-") && "\(directory)/\(name)" != target {
        try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
      }
    } catch {
      logger.warning(
        "could not keep a copy of the cluster's snapshot in the data directory: \(error)")
    }
  }
}
