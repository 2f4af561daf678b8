import Foundation

/// The peer a user would pick instead of channelcastd: Redis holding the subscribers as a SET
/// and fanning one broadcast out with a Lua script (`SMEMBERS` + `PUBLISH` per member) to one
/// `PSUBSCRIBE *` consumer. Each member's channel is its user ID, so the consumer sees the same
/// topic and envelope as a channelcastd consumer.
struct RedisFanOut {
  static let setKey = Array("channelcast:compare:subscribers".utf8)
  static let script = Array(
    """
    local members = redis.call('SMEMBERS', KEYS[1])
    for i = 1, #members do redis.call('PUBLISH', members[i], ARGV[1]) end
    return #members
    """.utf8)

  /// Members per SADD, and SADDs written before reading their replies.
  private static let batchSize = 1000
  private static let window = 64

  let executable: String
  let messages: ComparisonMessages
  let runs: Int
  let timeoutSeconds: Double

  /// Per-run figures (deliveries/s from the EVAL call, reply → last delivery) and notes.
  func measure() throws -> (figures: [Figure], notes: [String]) {
    let server = try RedisServer(executable: executable)
    defer { server.stop() }
    let control = try RedisConnection(
      port: server.port, deadline: Deadline("connecting to redis-server", seconds: 10))

    let setup = Deadline(
      "loading \(messages.count) members into Redis", seconds: timeoutSeconds * 4)
    let setupStart = MonotonicClock.nanoseconds()
    try load(into: control, deadline: setup)
    let setupSeconds = MonotonicClock.seconds(since: setupStart)

    let recipients = RecipientSet(size: messages.count)
    let subscriber = try RedisSubscriber(port: server.port) { recipients.mark(topic: $0) }
    defer { subscriber.stop() }

    var recorder = RunRecorder()
    for _ in 0..<runs {
      subscriber.reset()
      recipients.reset()
      let run = Deadline("redis fan-out run", seconds: timeoutSeconds)
      let requested = MonotonicClock.nanoseconds()
      try control.send(
        [[Array("EVAL".utf8), Self.script, [UInt8(ascii: "1")], Self.setKey, messages.envelope]],
        deadline: run)
      let reply = try control.reply(deadline: run)
      let replied = MonotonicClock.nanoseconds()
      guard reply == .integer(messages.count) else {
        throw BenchmarkError("redis EVAL returned \(reply), expected \(messages.count)")
      }
      try subscriber.wait(forCount: messages.count, deadline: run)
      let last = subscriber.lastArrivalNanoseconds
      usleep(200_000)  // anything extra would show up as a count above N
      try recipients.checkComplete(received: subscriber.count, system: "redis")
      recorder.record(
        "Redis \(server.version) Lua fan-out: deliveries/s (EVAL call → last delivery)",
        Double(messages.count) / (Double(last - requested) / 1e9), unit: "deliveries/s")
      // Signed: Redis may write to the consumer before it writes the EVAL reply.
      recorder.record(
        "Redis: EVAL reply → last delivery",
        Double(Int64(bitPattern: last &- replied)) / 1e6, unit: "ms")
    }
    return (
      recorder.figures,
      [
        "Redis \(server.version) on tcp://127.0.0.1 (no persistence, pubsub output buffer "
          + "unlimited); SADD of \(messages.count) members in "
          + String(format: "%.1f", setupSeconds) + " s"
      ]
    )
  }

  /// SADD in batches of `batchSize`, `window` batches in flight; checks SCARD afterwards.
  private func load(into connection: RedisConnection, deadline: Deadline) throws {
    var pending: [[[UInt8]]] = []
    func flush() throws {
      guard !pending.isEmpty else { return }
      try connection.send(pending, deadline: deadline)
      for _ in pending { _ = try connection.reply(deadline: deadline) }
      pending.removeAll(keepingCapacity: true)
    }
    for batchStart in stride(from: 0, to: messages.count, by: Self.batchSize) {
      var command = [Array("SADD".utf8), Self.setKey]
      for number in batchStart..<min(batchStart + Self.batchSize, messages.count) {
        command.append(Array(RecipientSet.userID(number).utf8))
      }
      pending.append(command)
      if pending.count == Self.window { try flush() }
    }
    try flush()
    try connection.send([[Array("SCARD".utf8), Self.setKey]], deadline: deadline)
    let members = try connection.reply(deadline: deadline)
    guard members == .integer(messages.count) else {
      throw BenchmarkError("redis SCARD returned \(members), expected \(messages.count)")
    }
  }
}
