/// What became of one message of `StreamPublisher.publishAll`.
public enum PublishOutcome: Sendable, Equatable {
  /// The stream stored it (or had it already, with the same message ID: `isDuplicate`).
  case acknowledged(PublishAcknowledgement)
  /// Not stored: the client refused to send it, the server refused it, or no stream took it
  /// (`NATSError.isNoResponders`).
  case failed(NATSError)
  /// No answer in time: it may or may not be stored, now or later. Resolve it by reading the
  /// stream, or by publishing it again with the same message ID within the stream's duplicate
  /// window (then the acknowledgement says whether it was stored already).
  case unresolved
}
