import ArgumentParser

/// When the started daemon forces its journal to disk: the values of its `--fsync` flag.
enum FsyncPolicy: String, CaseIterable, ExpressibleByArgument {
  /// `fdatasync` before each run of replies (group commit of up to 256 requests).
  case always
  /// Once a second, on a thread of its own.
  case everysec
  /// When the kernel writes back: what the throughput figures of the load-test issue assume.
  case never
}
