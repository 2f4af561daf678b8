/// Storage for received multipart messages that is kept from one message to the next: the
/// frames of each message are copied into one byte array whose capacity is reused, so a server
/// that receives many small messages does not allocate for each frame.
///
/// Fill it with ``Socket/receiveMultipart(into:maxFrames:dontWait:)``.
public struct MultipartBuffer {
  /// The kept frames' bytes, one after another.
  private var bytes: [UInt8] = []
  /// Where each kept frame ends in `bytes`.
  private var frameEnds: [Int] = []
  /// Whether the last message had more frames than were kept.
  public internal(set) var truncated = false
  /// Whether receiving reads the `User-Id` of each message's connection into ``userID``.
  public var readsUserID = false
  /// The `User-Id` that the ZAP handler gave the connection the last message came in on (with
  /// CURVE, the identity behind the client's key); nil unless ``readsUserID``, or when the
  /// connection has none.
  public internal(set) var userID: String?
  /// The file descriptor of the connection the last message came in on (-1 when unknown): what
  /// the socket monitor names when that connection ends.
  public internal(set) var sourceFileDescriptor: Int32 = -1

  /// A buffer whose capacity survives messages of up to this size; a larger message's storage
  /// is given back after the next one, so that one huge message does not pin its memory.
  static let retainedCapacity = 1 << 20

  public init() {}

  /// The number of frames kept of the last message.
  public var count: Int { frameEnds.count }

  /// The kept frame at `index` (a view into the buffer: copy it to keep it past the next
  /// receive, or that receive makes its own copy of the storage).
  public subscript(index: Int) -> ArraySlice<UInt8> {
    bytes[(index == 0 ? 0 : frameEnds[index - 1])..<frameEnds[index]]
  }

  mutating func removeAll() {
    if bytes.capacity > Self.retainedCapacity {
      bytes = []
    } else {
      bytes.removeAll(keepingCapacity: true)
    }
    frameEnds.removeAll(keepingCapacity: true)
    truncated = false
    userID = nil
    sourceFileDescriptor = -1
  }

  mutating func append(_ frame: UnsafeRawBufferPointer) {
    bytes.append(contentsOf: frame)
    frameEnds.append(bytes.count)
  }
}
