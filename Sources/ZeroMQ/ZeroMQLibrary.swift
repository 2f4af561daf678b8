import CZeroMQ

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Facts about the libzmq the program runs with, and its key generator.
public enum ZeroMQLibrary {
  /// The libzmq version (`zmq_version`), such as 4.3.4.
  public static var version: (major: Int32, minor: Int32, patch: Int32) {
    var major: Int32 = 0
    var minor: Int32 = 0
    var patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return (major, minor, patch)
  }

  /// Whether libzmq was built with `capability` (`zmq_has`), such as `"curve"` or `"ipc"`.
  public static func has(_ capability: String) -> Bool {
    zmq_has(capability) != 0
  }

  /// A new CURVE key pair (`zmq_curve_keypair`), each key 40 characters of Z85 text.
  /// Throws `ENOTSUP` when libzmq was built without CURVE.
  public static func curveKeyPair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
    // Z85 keys are 40 characters; libzmq writes a terminating NUL too.
    var publicKey = [CChar](repeating: 0, count: 41)
    var secretKey = [CChar](repeating: 0, count: 41)
    guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else {
      throw .lastError(of: "zmq_curve_keypair")
    }
    return (
      publicKey.withUnsafeBytes { String(nulTerminatedUTF8: $0) },
      secretKey.withUnsafeBytes { String(nulTerminatedUTF8: $0) }
    )
  }

  /// The CURVE public key that belongs to `secretKey` (`zmq_curve_public`), both as 40
  /// characters of Z85: how a key file's two keys are checked against each other. Throws
  /// `EINVAL` when `secretKey` is not a Z85 key and `ENOTSUP` when libzmq was built without
  /// CURVE.
  public static func curvePublicKey(secretKey: String) throws(ZMQError) -> String {
    // libzmq decodes the key into a 32-byte buffer without checking its length first.
    guard Z85.decode(secretKey)?.count == 32 else {
      throw ZMQError(code: EINVAL, operation: "zmq_curve_public")
    }
    var publicKey = [CChar](repeating: 0, count: 41)
    guard zmq_curve_public(&publicKey, secretKey) == 0 else {
      throw .lastError(of: "zmq_curve_public")
    }
    return publicKey.withUnsafeBytes { String(nulTerminatedUTF8: $0) }
  }
}
