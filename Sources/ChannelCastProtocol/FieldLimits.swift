/// The size limits of the data model, in UTF-8 bytes unless a name says otherwise.
public enum FieldLimits {
  public static let officialAccountIDPrefix: [UInt8] = Array("@TOA#_".utf8)
  public static let officialAccountID = 48
  public static let officialAccountName = 150
  public static let faceUrl = 500
  public static let organization = 500
  public static let introduction = 400
  public static let customData = 3000
  public static let userID = 64
  public static let clientMsgID = 64
  public static let recallReason = 100
  /// The most message keys one `recallMessages` request may name.
  public static let msgKeysPerRecall = 10
  /// The most IDs one `getOfficialAccountsInfo` request may name.
  public static let officialAccountIDsPerRequest = 100
  /// The most users one batch `subscribeOfficialAccount` request may name.
  public static let userIDsPerBatch = 1000
  /// The largest page of `listOfficialAccounts`, `getSubscribers` and subscribed-channel listings.
  public static let pageLimit = 1000
  public static let defaultPageLimit = 100
  /// The largest page of `getHistory`.
  public static let historyPageLimit = 100
  /// The largest `maxSubscriberCount`: the index packs user numbers into 30 bits.
  public static let maxSubscriberCountCeiling = 1 << 30
}
