import ArgumentParser
import ChannelCastProtocol

/// The optional fields of a channel's info that `create` and `set-info` both accept.
struct AccountFieldOptions: ParsableArguments {
  @Option(help: "The URL of the channel's picture (at most 500 bytes).")
  var faceUrl: String?

  @Option(help: "The organization behind the channel (at most 500 bytes).")
  var organization: String?

  @Option(help: "A description of the channel (at most 400 bytes).")
  var introduction: String?

  @Option(help: "Application data stored with the channel (a string, at most 3000 bytes).")
  var customData: String?

  @Option(
    help: ArgumentHelp("How many users may subscribe to the channel.", valueName: "count"))
  var maxSubscribers: Int?

  /// Adds the fields that were given, under their protocol names.
  func add(to request: inout JSONObjectWriter) {
    if let faceUrl { request.add("faceUrl", faceUrl) }
    if let organization { request.add("organization", organization) }
    if let introduction { request.add("introduction", introduction) }
    if let customData { request.add("customData", customData) }
    if let maxSubscribers { request.add("maxSubscriberCount", maxSubscribers) }
  }
}
