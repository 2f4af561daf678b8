import ZeroMQ

/// A CURVE key pair: the identity of a daemon or of a client on a secured connection.
///
/// The public key is handed out (a `.pub` file, a daemon's clients file); the secret key stays
/// in a `.key` file readable by its owner only. Both are 40 characters of Z85.
public struct CurveKeyPair: Sendable, Equatable {
  public let publicKey: String
  public let secretKey: String

  /// A new random key pair (`zmq_curve_keypair`). Throws `ENOTSUP` when libzmq was built
  /// without CURVE.
  public static func generate() throws(ZMQError) -> CurveKeyPair {
    let keys = try ZeroMQLibrary.curveKeyPair()
    return CurveKeyPair(publicKey: keys.publicKey, secretKey: keys.secretKey)
  }
}
