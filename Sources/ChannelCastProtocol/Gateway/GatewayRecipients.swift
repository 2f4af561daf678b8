/// Reads the recipients frame of a gateway batch: each userID's bytes followed by one NUL.
public enum GatewayRecipients {
  /// The userIDs of a recipients frame, in order. A frame that does not end with a NUL (a
  /// truncated or foreign frame) yields nil.
  public static func userIDs(in frame: some BidirectionalCollection<UInt8>) -> [ByteString]? {
    guard frame.last == GatewayProtocol.recipientTerminator else { return frame.isEmpty ? [] : nil }
    return frame.split(
      separator: GatewayProtocol.recipientTerminator, omittingEmptySubsequences: false
    ).dropLast().map { ByteString(Array($0)) }
  }

  /// Appends one userID to a recipients frame being built.
  public static func append(_ userID: some Collection<UInt8>, to frame: inout [UInt8]) {
    frame.append(contentsOf: userID)
    frame.append(GatewayProtocol.recipientTerminator)
  }
}
