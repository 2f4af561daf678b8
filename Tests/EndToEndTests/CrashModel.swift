import ChannelCastProtocol
import Foundation

/// What the daemon holds for the crash test's channels, as the test's own replay of its requests
/// says it must: the protocol's rules, applied to the same requests in the same order.
///
/// Values the daemon chooses (a `msgKey`, a send time, a subscribe time) come from its replies.
/// Until a reply tells them, or for a request whose reply never came, they are unknown: a nil
/// `msgKey`, a `TimeBounds` range. Everything else follows from the requests alone, including
/// every error, every seq and every record a request journals.
struct CrashModel {
  var channels: [String: ModelChannel] = [:]
  /// The last seq of each deleted channel ID: a channel created again under it continues it.
  var retiredLastSeq: [String: Int] = [:]

  /// The daemon's `maxSubscriberCount` for a channel created without one.
  static let defaultMaxSubscriberCount = 100_000
}

struct ModelChannel {
  var fields: ChannelFields
  var ownerUserID: String
  var createTime: TimeBounds
  var lastSeq: Int
  var subscribers: [String: ModelSubscription] = [:]
  /// Every stream entry: the crash test's daemon keeps more entries than it ever makes.
  var history: [ModelEntry] = []
  /// The `clientMsgID`s sent to this channel (while it exists): the seq of the message each
  /// made, and its payload as the request's JSON string held it.
  var clientMsgIDs: [String: (seq: Int, payload: String)] = [:]

  /// The seconds of the channel's last message, 0 before the first.
  var lastMessageTime: TimeBounds {
    for case .message(_, _, let sendTimeMs, _, _) in history.reversed() {
      return TimeBounds(lower: sendTimeMs.lower / 1000, upper: sendTimeMs.upper / 1000)
    }
    return .exactly(0)
  }
}

struct ModelSubscription {
  var subscribeTime: TimeBounds
  var msgFlag = "acceptAndNotify"
  var customData = ""
}

enum ModelEntry {
  /// `payload` is `canonicalJSON` of the payload sent.
  case message(seq: Int, msgKey: String?, sendTimeMs: TimeBounds, payload: String, recalled: Bool)
  case messageRecalled(seq: Int, msgKey: String, reason: String)
  case officialAccountInfoChanged(seq: Int, fields: ChannelFields)
}

/// A time the daemon chose: exact once a reply or a read tells it, otherwise the range it must
/// lie in (from just before the request was sent to just after its reply, or on without end).
struct TimeBounds: CustomStringConvertible {
  var lower: Int
  var upper: Int

  static func exactly(_ value: Int) -> TimeBounds { TimeBounds(lower: value, upper: value) }

  func contains(_ value: Int) -> Bool { lower <= value && value <= upper }

  var description: String { lower == upper ? "\(lower)" : "\(lower)...\(upper)" }
}

/// A reply that is not what the model predicts for its request.
struct ModelMismatch: Error, CustomStringConvertible {
  let description: String
}

/// When a request was sent and, once acknowledged, its reply and when it came.
struct RequestTiming {
  var sentAtMs: Int
  var repliedAtMs: Int?

  /// Bounds of a time the daemon took while handling the request, in milliseconds, with a
  /// millisecond of slack either side for rounding.
  var milliseconds: TimeBounds {
    TimeBounds(lower: sentAtMs - 1, upper: repliedAtMs.map { $0 + 1 } ?? Int.max)
  }

  /// The same in seconds, with a second of slack either side for rounding.
  var seconds: TimeBounds {
    TimeBounds(lower: sentAtMs / 1000 - 1, upper: repliedAtMs.map { $0 / 1000 + 1 } ?? Int.max)
  }

  static var nowMilliseconds: Int { Int(Date().timeIntervalSince1970 * 1000) }
}

extension CrashModel {
  /// Applies `request` as the daemon would, journaling at most `recordLimit` (at least 1)
  /// records: a journal cut between two records of a batch subscribe or a recall keeps a part.
  /// With its `reply`, checks that the reply is the one predicted and learns the values the
  /// daemon chose. Returns the number of records the request journals.
  @discardableResult
  mutating func apply(
    _ request: WorkloadRequest, timing: RequestTiming, reply: JSONReply? = nil,
    recordLimit: Int = .max
  ) throws -> Int {
    let id = request.officialAccountID
    var records = 0
    func fail(_ error: String) throws -> Int {
      if let reply, reply.ok || reply.errorCode != error {
        throw ModelMismatch(
          description: "\(request.op) \(request.fields): expected \(error), got \(reply)")
      }
      return 0
    }
    switch request {
    case .create(_, let ownerUserID, let fields, let maxSubscriberCount):
      guard channels[id] == nil else { return try fail("already_exists") }
      try Self.expectOK(reply, request)
      var created = fields
      created.maxSubscriberCount = maxSubscriberCount ?? Self.defaultMaxSubscriberCount
      let createTime = try reply.map { try Self.value("createTime", of: $0, request) }
      channels[id] = ModelChannel(
        fields: created, ownerUserID: ownerUserID,
        createTime: createTime.map(TimeBounds.exactly) ?? timing.seconds,
        lastSeq: retiredLastSeq.removeValue(forKey: id) ?? 0)
      try Self.expect(reply, "lastSeq", channels[id]!.lastSeq, request)
      return 1
    case .delete:
      guard let channel = channels[id] else { return try fail("not_found") }
      try Self.expectOK(reply, request)
      retiredLastSeq[id] = channel.lastSeq
      channels[id] = nil
      return 1
    default:
      break
    }
    // Taken out while it changes, so that its arrays are not copied on every request.
    guard var channel = channels.removeValue(forKey: id) else { return try fail("not_found") }
    defer { channels[id] = channel }
    switch request {
    case .create, .delete:
      preconditionFailure("handled above")
    case .subscribe(_, let userID):
      if let existing = channel.subscribers[userID] {
        if let time = try reply.map({ try Self.value("subscribeTime", of: $0, request) }),
          !existing.subscribeTime.contains(time)
        {
          throw ModelMismatch(
            description: "repeated subscribe of \(userID) to \(id) changed subscribeTime from "
              + "\(existing.subscribeTime) to \(time)")
        }
      } else {
        let time = try reply.map { try Self.value("subscribeTime", of: $0, request) }
        channel.subscribers[userID] = ModelSubscription(
          subscribeTime: time.map(TimeBounds.exactly) ?? timing.seconds)
        records = 1
      }
    case .subscribeBatch(_, let userIDs):
      if let reply {
        let codes = (reply.result["results"] as? [[String: Any]] ?? []).map { $0["resultCode"] }
        guard codes.count == userIDs.count, codes.allSatisfy({ $0 as? String == "ok" }) else {
          throw ModelMismatch(description: "batch subscribe to \(id) answered \(reply.result)")
        }
      }
      for userID in userIDs where channel.subscribers[userID] == nil && records < recordLimit {
        channel.subscribers[userID] = ModelSubscription(subscribeTime: timing.seconds)
        records += 1
      }
    case .unsubscribe(_, let userID):
      guard channel.subscribers[userID] != nil else { return try fail("not_found") }
      channel.subscribers[userID] = nil
      records = 1
    case .setSubscriptionOptions(_, let userID, let msgFlag, let customData):
      guard var subscription = channel.subscribers[userID] else { return try fail("not_found") }
      guard msgFlag != nil || customData != nil else { break }
      subscription.msgFlag = msgFlag ?? subscription.msgFlag
      subscription.customData = customData ?? subscription.customData
      channel.subscribers[userID] = subscription
      try Self.expect(reply, "msgFlag", subscription.msgFlag, request)
      try Self.expect(reply, "customData", subscription.customData, request)
      records = 1
    case .setInfo(_, let changes):
      let fields = changes.applied(to: channel.fields)
      guard fields != channel.fields else { return try fail("invalid_argument") }
      channel.fields = fields
      channel.lastSeq += 1
      channel.history.append(.officialAccountInfoChanged(seq: channel.lastSeq, fields: fields))
      try Self.expect(reply, "lastSeq", channel.lastSeq, request)
      records = 1
    case .send(_, let text, let clientMsgID):
      if let clientMsgID, let earlier = channel.clientMsgIDs[clientMsgID] {
        guard earlier.payload == text else { return try fail("duplicate") }
        try Self.expect(reply, "seq", earlier.seq, request)
        try Self.expectMessage(reply, seq: earlier.seq, in: &channel, request)
        break
      }
      channel.lastSeq += 1
      channel.history.append(
        .message(
          seq: channel.lastSeq, msgKey: nil, sendTimeMs: timing.milliseconds,
          payload: canonicalJSON(text), recalled: false))
      if let clientMsgID { channel.clientMsgIDs[clientMsgID] = (channel.lastSeq, text) }
      try Self.expect(reply, "seq", channel.lastSeq, request)
      try Self.expectMessage(reply, seq: channel.lastSeq, in: &channel, request)
      records = 1
    case .recall(_, let msgKeys, let reason):
      var codes: [String] = []
      for msgKey in msgKeys {
        let position = channel.history.firstIndex {
          if case .message(_, let key, _, _, _) = $0 { key == msgKey } else { false }
        }
        guard let position,
          case .message(let seq, _, let time, let payload, let recalled) =
            channel.history[position]
        else {
          codes.append("not_found")
          continue
        }
        codes.append(recalled ? "ok already recalled" : "ok")
        guard !recalled, records < recordLimit else { continue }
        channel.history[position] = .message(
          seq: seq, msgKey: msgKey, sendTimeMs: time, payload: payload, recalled: true)
        channel.lastSeq += 1
        channel.history.append(
          .messageRecalled(seq: channel.lastSeq, msgKey: msgKey, reason: reason))
        records += 1
      }
      if let reply {
        let answered = (reply.result["results"] as? [[String: Any]] ?? []).map {
          let code = $0["resultCode"] as? String ?? "?"
          return $0["resultInfo"] as? String == "already recalled"
            ? "\(code) already recalled" : code
        }
        guard answered == codes else {
          throw ModelMismatch(
            description: "recall \(msgKeys) in \(id): expected \(codes), got \(answered)")
        }
      }
    }
    try Self.expectOK(reply, request)
    return records
  }

  private static func expectOK(_ reply: JSONReply?, _ request: WorkloadRequest) throws {
    guard let reply, !reply.ok else { return }
    throw ModelMismatch(description: "\(request.op) \(request.fields): expected ok, got \(reply)")
  }

  /// Checks the `msgKey` and `sendTimeMs` of a send's reply against the message of `seq`, and
  /// learns them if they were unknown.
  private static func expectMessage(
    _ reply: JSONReply?, seq: Int, in channel: inout ModelChannel, _ request: WorkloadRequest
  ) throws {
    guard let reply, reply.ok else { return }
    let msgKey = reply.result["msgKey"] as? String
    let sendTimeMs = try value("sendTimeMs", of: reply, request)
    guard let position = channel.history.firstIndex(where: { entrySeq($0) == seq }),
      case .message(_, let known, let time, let payload, let recalled) = channel.history[position],
      known == nil || known == msgKey, time.contains(sendTimeMs)
    else {
      throw ModelMismatch(description: "\(request.fields) answered \(reply.result)")
    }
    channel.history[position] = .message(
      seq: seq, msgKey: msgKey, sendTimeMs: .exactly(sendTimeMs), payload: payload,
      recalled: recalled)
  }

  private static func expect<Value: Equatable>(
    _ reply: JSONReply?, _ key: String, _ expected: Value, _ request: WorkloadRequest
  ) throws {
    guard let reply, reply.ok else { return }
    guard reply.result[key] as? Value == expected else {
      throw ModelMismatch(
        description: "\(request.op) \(request.fields): expected \(key) \(expected), got "
          + "\(reply.result[key] ?? "nothing") in \(reply.result)")
    }
  }

  private static func value(_ key: String, of reply: JSONReply, _ request: WorkloadRequest) throws
    -> Int
  {
    guard let value = reply.result[key] as? Int else {
      throw ModelMismatch(description: "\(request.op) \(request.fields): no \(key) in \(reply)")
    }
    return value
  }

}

func entrySeq(_ entry: ModelEntry) -> Int {
  switch entry {
  case .message(let seq, _, _, _, _), .messageRecalled(let seq, _, _),
    .officialAccountInfoChanged(let seq, _):
    seq
  }
}
