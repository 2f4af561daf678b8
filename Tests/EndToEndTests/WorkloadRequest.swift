/// One mutation of the crash workload, as the test sends it and as the model applies it.
enum WorkloadRequest {
  /// `maxSubscriberCount` nil leaves the daemon's default.
  case create(id: String, ownerUserID: String, fields: ChannelFields, maxSubscriberCount: Int?)
  case subscribe(id: String, userID: String)
  case subscribeBatch(id: String, userIDs: [String])
  case unsubscribe(id: String, userID: String)
  case setSubscriptionOptions(id: String, userID: String, msgFlag: String?, customData: String?)
  case setInfo(id: String, changes: FieldChanges)
  /// `payload` is a JSON string value; the model keeps it as `canonicalJSON(payload)`.
  case send(id: String, payload: String, clientMsgID: String?)
  case recall(id: String, msgKeys: [String], reason: String)
  case delete(id: String)

  /// The fields `setOfficialAccountInfo` sets; nil leaves a field as it is.
  struct FieldChanges {
    var officialAccountName: String?
    var faceUrl: String?
    var organization: String?
    var introduction: String?
    var customData: String?
    var maxSubscriberCount: Int?

    func applied(to fields: ChannelFields) -> ChannelFields {
      var changed = fields
      changed.officialAccountName = officialAccountName ?? fields.officialAccountName
      changed.faceUrl = faceUrl ?? fields.faceUrl
      changed.organization = organization ?? fields.organization
      changed.introduction = introduction ?? fields.introduction
      changed.customData = customData ?? fields.customData
      changed.maxSubscriberCount = maxSubscriberCount ?? fields.maxSubscriberCount
      return changed
    }
  }

  var op: String {
    switch self {
    case .create: "createOfficialAccount"
    case .subscribe, .subscribeBatch: "subscribeOfficialAccount"
    case .unsubscribe: "unsubscribeOfficialAccount"
    case .setSubscriptionOptions: "setSubscriptionOptions"
    case .setInfo: "setOfficialAccountInfo"
    case .send: "sendMessage"
    case .recall: "recallMessages"
    case .delete: "deleteOfficialAccount"
    }
  }

  var officialAccountID: String {
    switch self {
    case .create(let id, _, _, _), .subscribe(let id, _), .subscribeBatch(let id, _),
      .unsubscribe(let id, _), .setSubscriptionOptions(let id, _, _, _), .setInfo(let id, _),
      .send(let id, _, _), .recall(let id, _, _), .delete(let id):
      id
    }
  }

  /// The request's fields besides `op`.
  var fields: [String: Any] {
    var fields: [String: Any] = ["officialAccountID": officialAccountID]
    switch self {
    case .create(_, let ownerUserID, let channel, let maxSubscriberCount):
      fields["ownerUserID"] = ownerUserID
      fields["officialAccountName"] = channel.officialAccountName
      fields["faceUrl"] = channel.faceUrl
      fields["organization"] = channel.organization
      fields["introduction"] = channel.introduction
      fields["customData"] = channel.customData
      fields["maxSubscriberCount"] = maxSubscriberCount
    case .subscribe(_, let userID), .unsubscribe(_, let userID):
      fields["userID"] = userID
    case .subscribeBatch(_, let userIDs):
      fields["userIDList"] = userIDs
    case .setSubscriptionOptions(_, let userID, let msgFlag, let customData):
      fields["userID"] = userID
      fields["msgFlag"] = msgFlag
      fields["customData"] = customData
    case .setInfo(_, let changes):
      fields["officialAccountName"] = changes.officialAccountName
      fields["faceUrl"] = changes.faceUrl
      fields["organization"] = changes.organization
      fields["introduction"] = changes.introduction
      fields["customData"] = changes.customData
      fields["maxSubscriberCount"] = changes.maxSubscriberCount
    case .send(_, let payload, let clientMsgID):
      fields["payload"] = payload
      fields["clientMsgID"] = clientMsgID
    case .recall(_, let msgKeys, let reason):
      fields["msgKeys"] = msgKeys
      fields["reason"] = reason
    case .delete:
      break
    }
    return fields
  }
}

/// A random number generator whose sequence is fixed by its seed (SplitMix64), so that a
/// failing crash round can be run again with the same workload.
struct SeededRandom: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
  }
}
