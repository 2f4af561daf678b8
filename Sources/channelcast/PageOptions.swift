import ArgumentParser
import ChannelCastProtocol

/// Which page of a long list to fetch: the `cursor` and `limit` of the paged operations.
struct PageOptions: ParsableArguments {
  @Option(help: "Start after this position: the nextCursor of the previous page.")
  var cursor: String?

  @Option(help: "The most entries to return (at most 1000; the daemon's default is 100).")
  var limit: Int?

  /// Whether either option was given.
  var isGiven: Bool { cursor != nil || limit != nil }

  /// Adds the options that were given.
  func add(to request: inout JSONObjectWriter) {
    if let cursor { request.add("cursor", cursor) }
    if let limit { request.add("limit", limit) }
  }
}
