import ChannelCastProtocol

extension JSONObjectWriter {
  /// The members of a channel's info that change only with `setOfficialAccountInfo`, encoded
  /// once and spliced into every view of the channel.
  static func officialAccountStaticInfo(_ account: OfficialAccount) -> JSONObjectWriter {
    var info = JSONObjectWriter()
    info.add("officialAccountID", utf8: account.officialAccountID.bytes)
    info.add("officialAccountName", account.officialAccountName)
    info.add("faceUrl", account.faceUrl)
    info.add("organization", account.organization)
    info.add("introduction", account.introduction)
    info.add("customData", account.customData)
    info.add("ownerUserID", utf8: account.ownerUserID.bytes)
    info.add("createTime", account.createTime)
    return info
  }

  /// A channel's info with the protocol's exact field names. `subscribeTime` is present only in
  /// a subscriber's own view.
  static func officialAccountInfo(
    _ account: OfficialAccount, staticInfo: JSONObjectWriter, subscriberCount: Int,
    subscribeTime: UInt32? = nil
  ) -> JSONObjectWriter {
    var info = JSONObjectWriter(reservingCapacity: staticInfo.byteCount + 128)
    info.addMembers(of: staticInfo)
    info.add("subscriberCount", subscriberCount)
    info.add("maxSubscriberCount", account.maxSubscriberCount)
    info.add("lastMessageTime", account.lastMessageTime)
    info.add("lastSeq", account.lastSeq)
    if let subscribeTime {
      info.add("subscribeTime", Int64(subscribeTime))
    }
    return info
  }

}
