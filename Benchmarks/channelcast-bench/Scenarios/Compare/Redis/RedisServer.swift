import Foundation

/// A throwaway `redis-server` for `compare`: on a free loopback port, in a temporary folder,
/// without persistence, stopped (and its folder removed) when the scenario ends.
final class RedisServer {
  let port: Int
  /// `redis_version` from `INFO server`, for the report.
  private(set) var version = "unknown"
  private let process: Process
  private let folder: URL

  /// The `redis-server` on PATH, or nil when it is not installed.
  static func executable() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/redis-server" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  init(executable: String) throws {
    port = try LoopbackPort.free()
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("channelcast-redis-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [
      "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", folder.path, "--logfile", folder.appendingPathComponent("redis.log").path,
      // One script publishes to every member before Redis writes to any client, so the
      // consumer's output buffer holds the whole broadcast; the default pubsub limit (32 MB)
      // would disconnect it halfway.
      "--client-output-buffer-limit", "pubsub 0 0 0",
    ]
    try process.run()
    let deadline = Deadline("redis-server start", seconds: 10)
    do {
      let connection = try RedisConnection(port: port, deadline: deadline)
      try connection.send([[Array("INFO".utf8), Array("server".utf8)]], deadline: deadline)
      if case .bulk(let info?) = try connection.reply(deadline: deadline),
        let line = String(decoding: info, as: UTF8.self).split(separator: "\r\n")
          .first(where: { $0.hasPrefix("redis_version:") })
      {
        version = String(line.dropFirst("redis_version:".count))
      }
    } catch {
      stop()
      throw error
    }
  }

  /// SIGTERM, then SIGKILL after 10 s; removes the folder.
  func stop() {
    if process.isRunning {
      process.terminate()
      let deadline = Deadline("redis-server stop", seconds: 10)
      while process.isRunning && !deadline.hasPassed { usleep(10_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: folder)
  }

  deinit {
    stop()
  }
}
