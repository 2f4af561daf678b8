import CZeroMQ

/// Z85, the printable encoding ZeroMQ uses for CURVE keys (ZeroMQ RFC 32): every 4 bytes become
/// 5 characters, so a 32-byte key is 40 characters that fit in a config file or a command line.
public enum Z85 {
  /// The text for `bytes` (`zmq_z85_encode`); nil when their count is not a multiple of 4.
  public static func encode(_ bytes: [UInt8]) -> String? {
    guard bytes.count.isMultiple(of: 4) else { return nil }
    // Five characters for every four bytes, and the terminating NUL libzmq writes.
    var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
    guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
    return text.withUnsafeBytes { String(nulTerminatedUTF8: $0) }
  }

  /// The bytes that `text` encodes (`zmq_z85_decode`); nil when it is empty, not a multiple of
  /// 5 characters long, or has a character outside the Z85 alphabet.
  public static func decode(_ text: String) -> [UInt8]? {
    let characters = Array(text.utf8)
    // libzmq measures the text with strlen and writes count/5*4 bytes without checking the
    // destination: the length is checked here, and a NUL would make strlen stop short.
    guard !characters.isEmpty, characters.count.isMultiple(of: 5), !characters.contains(0)
    else { return nil }
    var bytes = [UInt8](repeating: 0, count: characters.count / 5 * 4)
    let decoded = text.withCString { zmq_z85_decode(&bytes, $0) != nil }
    return decoded ? bytes : nil
  }
}
