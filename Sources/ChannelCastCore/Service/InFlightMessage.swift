/// A sent message whose fan-out has not finished: recovery fans it out again, so that an
/// acknowledged message reaches its subscribers at least once even across a crash.
struct InFlightMessage {
  let message: JournalRecord.SentMessage
  /// Nil for a message recovered from disk until recovery fans it out again.
  var progress: BroadcastProgress?
}
