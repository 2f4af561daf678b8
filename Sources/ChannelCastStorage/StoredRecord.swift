/// One record read back from a record file.
public struct StoredRecord: Sendable, Equatable {
  /// The record type given to ``RecordBuffer/append(type:_:)``.
  public let type: UInt8
  /// The body bytes, copied out of the file, so the record outlives its reader.
  public let body: [UInt8]
  /// Where the record's frame starts in the file.
  public let offset: Int

  /// A record of `type` with `body`, found at `offset`.
  public init(type: UInt8, body: [UInt8], offset: Int) {
    self.type = type
    self.body = body
    self.offset = offset
  }
}
