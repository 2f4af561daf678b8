import Foundation

/// The kind of file system a path lives on: fsync costs nothing on tmpfs and a great deal on a
/// network disk, so a durability figure means little without it.
enum Filesystem {
  /// The type of the mount that holds `path` (the longest mount point above it in
  /// /proc/self/mounts), such as `ext4` or `tmpfs`; `unknown` when that cannot be read.
  static func name(of path: String) -> String {
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
      return "unknown"
    }
    var best: (mountPoint: Substring, type: Substring)?
    for line in mounts.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count >= 3 else { continue }
      let mountPoint = fields[1]
      let contains =
        mountPoint == "/" || resolved == mountPoint || resolved.hasPrefix(mountPoint + "/")
      if contains && mountPoint.count >= (best?.mountPoint.count ?? 0) {
        best = (mountPoint, fields[2])
      }
    }
    return best.map { String($0.type) } ?? "unknown"
  }
}
