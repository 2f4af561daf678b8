import ChannelCastKeys
import ZeroMQ

/// What a client needs to talk to a daemon that requires CURVE: the daemon's public key, which
/// makes sure it talks to that daemon and no other, and its own key pair, whose public key the
/// daemon must know.
public struct CurveClientCredentials: Sendable {
  /// The daemon's public key, 40 characters of Z85.
  public let serverPublicKey: String
  /// This client's key pair.
  public let keys: CurveKeyPair

  public init(serverPublicKey: String, keys: CurveKeyPair) {
    self.serverPublicKey = serverPublicKey
    self.keys = keys
  }

  /// Makes `socket` a CURVE client with these keys and starts watching its handshakes. Call it
  /// before the socket connects: libzmq reads the keys when it connects, and the first
  /// handshake may fail at once.
  func secure(_ socket: Socket, context: ZMQContext) throws(ZMQError) -> HandshakeWatch {
    try setKeys(of: socket)
    return try HandshakeWatch(socket, context: context)
  }

  /// Makes `socket` a CURVE client with these keys, without watching its handshakes (a refused
  /// key then shows only as silence). Call it before the socket connects.
  public func setKeys(of socket: Socket) throws(ZMQError) {
    try socket.setOption(.curveServerKey, serverPublicKey)
    try socket.setOption(.curvePublicKey, keys.publicKey)
    try socket.setOption(.curveSecretKey, keys.secretKey)
  }
}
