import CNATS

#if canImport(Glibc)
  import Glibc
#endif

/// What a JetStream stream keeps and how.
public struct StreamConfiguration: Sendable {
  public var name: String
  public var subjects: [String]
  /// Servers holding a copy (1, or an odd number up to 5): an acknowledged publish is in a
  /// majority of them.
  public var replicas: Int = 1
  /// How long the stream remembers `Nats-Msg-Id`s to drop a publish repeated by a transport
  /// retry, in milliseconds.
  public var duplicateWindowMilliseconds: Int64 = 120_000
  public var inMemory = false

  public init(name: String, subjects: [String]) {
    self.name = name
    self.subjects = subjects
  }
}

/// What a publish got back: where the stream put it, and whether it was a repeat of an earlier
/// publish with the same message ID (then `sequence` is the earlier one's).
public struct PublishAcknowledgement: Sendable, Equatable {
  public let sequence: UInt64
  public let isDuplicate: Bool
}

/// A message read from a stream, with its place in it.
public struct StreamMessage: Sendable {
  public let subject: String
  public let data: [UInt8]
  /// The message's sequence in its stream (1, 2, 3, ...).
  public let streamSequence: UInt64
  /// Messages of the subject after this one that the stream held when it sent this one: how
  /// far behind the reader is.
  public let pending: UInt64
}

extension NATSConnection {
  /// Creates the stream, or finds it with the same configuration (JetStream's add is
  /// idempotent for an equal configuration).
  public func addStream(_ configuration: StreamConfiguration) throws(NATSError) {
    var config = jsStreamConfig()
    jsStreamConfig_Init(&config)
    let name = strdup(configuration.name)
    let subjects = configuration.subjects.map { strdup($0) }
    defer {
      free(name)
      for subject in subjects { free(subject) }
    }
    var subjectPointers = subjects.map { UnsafePointer($0) }
    var info: UnsafeMutablePointer<jsStreamInfo>?
    var code = jsErrCode(0)
    let status = subjectPointers.withUnsafeMutableBufferPointer { pointers in
      config.Name = UnsafePointer(name)
      config.Subjects = pointers.baseAddress
      config.SubjectsLen = Int32(pointers.count)
      config.Replicas = Int64(configuration.replicas)
      config.Duplicates = configuration.duplicateWindowMilliseconds * 1_000_000
      config.Storage = configuration.inMemory ? js_MemoryStorage : js_FileStorage
      config.AllowDirect = true
      return js_AddStream(&info, jetStream, &config, nil, &code)
    }
    jsStreamInfo_Destroy(info)
    try check(status, "js_AddStream(\(configuration.name))", jetStreamCode: code)
  }

  /// The name of the server that leads the stream's replicas now (nil for a stream of one
  /// server outside a cluster), and the stream's first and last sequences (the first is the
  /// last + 1 when the stream holds nothing).
  public func streamState(_ name: String) throws(NATSError) -> (
    leader: String?, firstSequence: UInt64, lastSequence: UInt64
  ) {
    var info: UnsafeMutablePointer<jsStreamInfo>?
    var code = jsErrCode(0)
    let status = js_GetStreamInfo(&info, jetStream, name, nil, &code)
    defer { jsStreamInfo_Destroy(info) }
    try check(status, "js_GetStreamInfo(\(name))", jetStreamCode: code)
    guard let info else { throw NATSError(NATS_ERR, operation: "js_GetStreamInfo(\(name))") }
    let leader = info.pointee.Cluster?.pointee.Leader.map { String(cString: $0) }
    let state = info.pointee.State
    return (leader, max(state.FirstSeq, 1), state.LastSeq)
  }

  /// Removes the stream's messages before `sequence` (those of `subject` only, when given);
  /// the sequences of the rest do not change. Nothing is before 1: the call then does nothing
  /// (JetStream would take a purge up to 1 for a purge of everything).
  public func purgeStream(_ name: String, before sequence: UInt64, subject: String? = nil)
    throws(NATSError)
  {
    guard sequence > 1 else { return }
    var options = jsOptions()
    jsOptions_Init(&options)
    let filter = subject.map { strdup($0) }
    defer { filter.map { free($0) } }
    options.Stream.Purge.Sequence = sequence
    options.Stream.Purge.Subject = filter.map { UnsafePointer($0) } ?? nil
    var code = jsErrCode(0)
    try check(
      js_PurgeStream(jetStream, name, &options, &code), "js_PurgeStream(\(name))",
      jetStreamCode: code)
  }

  /// Publishes `data` on `subject` and waits for the stream's acknowledgement (a majority of
  /// its replicas have it). With `messageID`, a repeat within the duplicate window is not
  /// stored again. A timeout does not mean it was not stored: see `NATSError.isTimeout`.
  public func publish(
    _ data: [UInt8], subject: String, messageID: String? = nil, timeoutMilliseconds: Int64? = nil
  ) throws(NATSError) -> PublishAcknowledgement {
    var options = jsPubOptions()
    jsPubOptions_Init(&options)
    if let timeoutMilliseconds { options.MaxWait = timeoutMilliseconds }
    let id = messageID.map { strdup($0) }
    defer { id.map { free($0) } }
    options.MsgId = id.map { UnsafePointer($0) } ?? nil
    var ack: UnsafeMutablePointer<jsPubAck>?
    var code = jsErrCode(0)
    let status = data.withUnsafeBytes { bytes in
      js_Publish(&ack, jetStream, subject, bytes.baseAddress, Int32(bytes.count), &options, &code)
    }
    defer { jsPubAck_Destroy(ack) }
    try check(status, "js_Publish(\(subject))", jetStreamCode: code)
    guard let ack else { throw NATSError(NATS_ERR, operation: "js_Publish(\(subject)): no ack") }
    return PublishAcknowledgement(
      sequence: ack.pointee.Sequence, isDuplicate: ack.pointee.Duplicate)
  }

  /// `publish` again under the same `messageID` (so the stream stores it once) while no stream
  /// leader answers (a timeout, no responders: 4 to 9 s while nats-server 2.9 elects one),
  /// every 100 ms for up to `patience`; any other error, or the last one, is thrown.
  public func publish(
    _ data: [UInt8], subject: String, messageID: String, retryingFor patience: Duration
  ) throws(NATSError) -> PublishAcknowledgement {
    let deadline = ContinuousClock.now + patience
    while true {
      do {
        return try publish(data, subject: subject, messageID: messageID)
      } catch {
        guard error.isTimeout || error.isNoResponders, ContinuousClock.now < deadline else {
          throw error
        }
      }
      usleep(100_000)
    }
  }
}
