extension JSONObjectWriter {
  /// Writes a channel's info with the protocol's exact field names. `subscribeTime` is present
  /// only in a subscriber's own view.
  mutating func addOfficialAccountInfo(
    _ account: OfficialAccount, subscriberCount: Int, subscribeTime: UInt32? = nil
  ) {
    add("officialAccountID", utf8: account.officialAccountID.bytes)
    add("officialAccountName", account.officialAccountName)
    add("faceUrl", account.faceUrl)
    add("organization", account.organization)
    add("introduction", account.introduction)
    add("customData", account.customData)
    add("ownerUserID", utf8: account.ownerUserID.bytes)
    add("createTime", account.createTime)
    add("subscriberCount", subscriberCount)
    add("maxSubscriberCount", account.maxSubscriberCount)
    add("lastMessageTime", account.lastMessageTime)
    add("lastSeq", account.lastSeq)
    if let subscribeTime {
      add("subscribeTime", Int64(subscribeTime))
    }
  }

  static func officialAccountInfo(
    _ account: OfficialAccount, subscriberCount: Int, subscribeTime: UInt32? = nil
  ) -> JSONObjectWriter {
    var info = JSONObjectWriter()
    info.addOfficialAccountInfo(
      account, subscriberCount: subscriberCount, subscribeTime: subscribeTime)
    return info
  }
}
