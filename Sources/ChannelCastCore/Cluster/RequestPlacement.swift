import ChannelCastProtocol

/// Where a cluster node has a request decided: by itself, or by the owner of one channel's
/// partition. Every change to a channel is decided by its partition's owner, so that one node
/// sequences each channel; reads of one channel go there too, so that a client reads what it
/// just wrote whichever node it asks.
public enum RequestPlacement: Equatable, Sendable {
  /// Decided here: `ping`, `backup`, and every request the local service refuses before it
  /// changes anything (bad JSON, an unknown op, a role that may not make it, a missing or
  /// malformed `officialAccountID`).
  case local
  /// Read from this node's copy of every channel, once it has applied the log as far as the
  /// stream holds now (so that it shows every write acknowledged before): `stats`,
  /// `listOfficialAccounts`, `getOfficialAccountsInfo` over several partitions or by user.
  case everyChannel
  /// Decided by the owner of `officialAccountID`'s partition; `frame` is the request to send
  /// it (with a generated `officialAccountID` inserted for a `createOfficialAccount` without
  /// one), to be decided as an admin's: the role was checked here.
  case channel(officialAccountID: ByteString, frame: [UInt8])

  /// Places `frame`, a request made in `role`, for a cluster split into `partitions`.
  public static func place(
    _ frame: ArraySlice<UInt8>, as role: Role, partitions: ClusterPartitions
  ) -> RequestPlacement {
    guard let fields = try? JSONParser.parseObject(frame) else { return .local }
    let request = Request(fields: fields)
    guard case .known(let op) = request.op else { return .local }
    do throws(ChannelCastError) {
      try role.authorize(op, request)
    } catch {
      return .local
    }
    switch op {
    case .ping, .backup:
      return .local
    case .stats, .listOfficialAccounts:
      return .everyChannel
    case .createOfficialAccount:
      guard request.has("officialAccountID") else {
        let id = IdentifierGenerator().randomOfficialAccountID()
        return .channel(officialAccountID: id, frame: inserting(id, into: frame))
      }
      return channel(request, frame)
    case .getOfficialAccountsInfo:
      guard
        let list = try? request.array(
          "officialAccountIDList", limit: FieldLimits.officialAccountIDsPerRequest),
        let first = list.first?.stringBytes.map(ByteString.init),
        list.allSatisfy({ element in
          element.stringBytes.map {
            partitions.partition(ofChannel: ByteString($0))
              == partitions.partition(ofChannel: first)
          } ?? false
        })
      else { return .everyChannel }
      return .channel(officialAccountID: first, frame: Array(frame))
    case .setOfficialAccountInfo, .deleteOfficialAccount, .subscribeOfficialAccount,
      .unsubscribeOfficialAccount, .setSubscriptionOptions, .getSubscribers, .sendMessage,
      .sendMessageToOfficialAccount, .recallMessages, .getHistory:
      return channel(request, frame)
    }
  }

  private static func channel(_ request: Request, _ frame: ArraySlice<UInt8>) -> RequestPlacement {
    guard let id = try? request.requiredOfficialAccountID() else { return .local }
    return .channel(officialAccountID: id, frame: Array(frame))
  }

  /// The request with `"officialAccountID":"<id>",` after its opening brace (IDs the generator
  /// makes need no escaping).
  private static func inserting(_ id: ByteString, into frame: ArraySlice<UInt8>) -> [UInt8] {
    guard let brace = frame.firstIndex(of: UInt8(ascii: "{")) else { return Array(frame) }
    let field = Array("\"officialAccountID\":\"".utf8) + id.bytes + Array("\",".utf8)
    return Array(frame[..<(brace + 1)]) + field + Array(frame[(brace + 1)...])
  }
}
