import ChannelCastCore
import FuzzHarness

/// The request fuzz target: one input is a session of requests to a new service, one request
/// frame per line (an input without a newline is a single frame, sent as it is).
///
/// Some lines are not sent. `+` followed by up to 10 digits lets time pass: the fan-out
/// drains, the clock moves on by that many milliseconds, and the run of requests ends (the
/// daemon's `finishRun`). `!admin`, `!publisher` (of `@TOA#_a*` and `@TOA#_news`), `!gateway`
/// and `!revoked` make the requests after them in that role, as an authenticated client's
/// would be. And in a request, `$K` stands for the `msgKey` of the last reply that had one,
/// since the fuzzer cannot guess the random keys the service makes.
///
/// Checked: every reply (`ReplyCheck`) and every delivery (`CheckedDeliverySink`) keeps the
/// protocol's promises; a request refused with `permission_denied` journals nothing; the
/// journal the session wrote replays into the same state; a snapshot of the state loads back
/// into the same state.
enum RequestFuzzing {
  /// Requests sent per input: enough to build up state, few enough to keep inputs fast.
  static let maximumRequests = 64
  private static let newline = UInt8(ascii: "\n")
  private static let pauseMark = UInt8(ascii: "+")
  private static let msgKeyMark = Array("$K".utf8)
  private static let roles: [[UInt8]: Role] = [
    Array("!admin".utf8): .admin,
    Array("!publisher".utf8): .publisher([
      try! OfficialAccountPattern("@TOA#_a*"), try! OfficialAccountPattern("@TOA#_news"),
    ]),
    Array("!gateway".utf8): .gateway,
    Array("!revoked".utf8): .revoked,
  ]

  static func testOneInput(_ input: UnsafeBufferPointer<UInt8>) {
    let clock = FuzzClock()
    let journal = RecordedJournal()
    let live = StandaloneService(clock: clock, log: journal)
    var lastMsgKey: [UInt8] = []
    var role = Role.admin
    for line in input.split(separator: newline, omittingEmptySubsequences: false)
      .prefix(maximumRequests)
    {
      if let milliseconds = pause(line) {
        live.drain()
        clock.advance(milliseconds: milliseconds)
        live.finishRun()
        continue
      }
      if line.first == UInt8(ascii: "!"), let next = roles[Array(line)] {
        role = next
        continue
      }
      let recordsBefore = journal.records.count
      let reply = live.handle(substitute(msgKey: lastMsgKey, in: line), as: role)
      if reply["error"]?.objectMembers?["code"]?.stringValue == "permission_denied",
        journal.records.count != recordsBefore
      {
        fatalError("a request refused with permission_denied journaled a change")
      }
      if let msgKey = reply["result"]?.objectMembers?["msgKey"]?.stringBytes {
        lastMsgKey = msgKey
      }
    }
    live.finishRun()
    // The fan-outs finish, and the next run journals that (as the daemon's idle loop does).
    live.drain()
    live.finishRun()

    let view = RecoveryCheck.view(of: live)
    let replica = RecoveryCheck.replay(journal.records, clock: clock)
    RecoveryCheck.expectSame(view, RecoveryCheck.view(of: replica), "the replayed journal")
    let reloaded = RecoveryCheck.reloadSnapshot(of: live, clock: clock)
    RecoveryCheck.expectSame(view, RecoveryCheck.view(of: reloaded), "the loaded snapshot")
    live.drain()
  }

  /// The milliseconds of a pause line (`+` and up to 10 digits), or nil for a request.
  private static func pause(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
    guard line.first == pauseMark, line.count <= 11 else { return nil }
    var milliseconds: Int64 = 0
    for byte in line.dropFirst() {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
      milliseconds = milliseconds * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    return milliseconds
  }

  private static func substitute(
    msgKey: [UInt8], in line: Slice<UnsafeBufferPointer<UInt8>>
  ) -> [UInt8] {
    var frame: [UInt8] = []
    frame.reserveCapacity(line.count)
    var rest = line[...]
    while let position = rest.firstRange(of: msgKeyMark) {
      frame += rest[..<position.lowerBound]
      frame += msgKey
      rest = rest[position.upperBound...]
    }
    frame += rest
    return frame
  }
}
