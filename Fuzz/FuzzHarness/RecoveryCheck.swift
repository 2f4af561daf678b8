import ChannelCastCore
import ChannelCastProtocol

/// The promises of recovery, checked against a service's state: the journal a live service
/// wrote replays without error into the same state, and a snapshot of any state loads back into
/// the same state. "The same" is judged through the protocol, by the replies to the read
/// operations. A broken promise stops the process, which libFuzzer reports as a crash.
public enum RecoveryCheck {
  /// Channels whose history and subscribers a view reads; the rest are compared by their info.
  static let channelsViewed = 16

  /// The state as the read operations show it: the replies to `listOfficialAccounts`, and to
  /// `getHistory` and `getSubscribers` of each of the first channels.
  public struct View: Equatable {
    public var replies: [[UInt8]] = []
    /// The channels' IDs, in the order `listOfficialAccounts` gave them.
    public var channelIDs: [[UInt8]] = []
  }

  /// Reads the view of `instance` (every reply checked; `getHistory` evicts the expired).
  public static func view(of instance: StandaloneService) -> View {
    var view = View()
    let list = request("listOfficialAccounts") { $0.add("limit", 1000) }
    let reply = instance.handle(list)
    view.replies.append(Array(reply["result"]?.bytes ?? []))
    for info in reply["result"]?.objectMembers?["officialAccounts"]?.arrayElements ?? [] {
      guard let id = info.objectMembers?["officialAccountID"]?.stringBytes else { continue }
      view.channelIDs.append(id)
    }
    for id in view.channelIDs.prefix(channelsViewed) {
      for op in ["getHistory", "getSubscribers"] {
        let read = request(op) {
          $0.add("officialAccountID", utf8: id)
          $0.add("limit", op == "getHistory" ? 100 : 1000)
        }
        view.replies.append(Array(instance.handle(read)["result"]?.bytes ?? []))
      }
    }
    return view
  }

  /// Replays `records` into a new service, as recovery does; any record that does not decode or
  /// apply is a broken promise.
  public static func replay(_ records: [(type: UInt8, body: [UInt8])], clock: FuzzClock)
    -> StandaloneService
  {
    let replica = StandaloneService(clock: clock)
    for (position, record) in records.enumerated() {
      do {
        let decoded = try record.body.withUnsafeBytes {
          try JournalRecord.decode(type: record.type, body: $0)
        }
        try replica.state.apply(decoded)
      } catch {
        fatalError("journal record \(position) (type \(record.type)) does not replay: \(error)")
      }
    }
    return replica
  }

  /// Writes a snapshot of `instance` and loads it into a new service; a snapshot that does not
  /// load is a broken promise.
  public static func reloadSnapshot(of instance: StandaloneService, clock: FuzzClock)
    -> StandaloneService
  {
    var snapshot = RecordedSnapshot()
    do {
      try instance.state.takeSnapshot(takenAtMs: clock.nowMilliseconds()).write(to: &snapshot)
    } catch {
      fatalError("writing a snapshot to memory failed: \(error)")
    }
    let reloaded = StandaloneService(clock: clock)
    var loader = SnapshotLoader(into: reloaded.state)
    do {
      for record in snapshot.records {
        try record.body.withUnsafeBytes { try loader.load(type: record.type, body: $0) }
      }
      try loader.finish()
    } catch {
      fatalError("a snapshot of the state does not load: \(error)")
    }
    return reloaded
  }

  /// Stops the process when two views differ, naming the first reply that does.
  public static func expectSame(_ expected: View, _ actual: View, _ what: String) {
    guard expected != actual else { return }
    let position = expected.replies.indices.first { position in
      position >= actual.replies.count || expected.replies[position] != actual.replies[position]
    }
    let show = { (replies: [[UInt8]]) in
      position.flatMap { replies.indices.contains($0) ? replies[$0] : nil }
        .map { String(decoding: $0.prefix(3000), as: UTF8.self) } ?? "\(replies.count) replies"
    }
    fatalError(
      "\(what) differs from the state it was made from, at read \(position ?? -1):\n"
        + "expected: \(show(expected.replies))\nactual:   \(show(actual.replies))")
  }

  /// A request frame: `op` and the fields `fill` adds.
  public static func request(_ op: String, _ fill: (inout JSONObjectWriter) -> Void = { _ in })
    -> [UInt8]
  {
    var request = JSONObjectWriter()
    request.add("op", op)
    fill(&request)
    return request.finished()
  }
}
