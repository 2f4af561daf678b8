/// The ZeroMQ Authentication Protocol (ZAP, RFC 27): how libzmq asks the application whether a
/// peer may connect. When a socket with a security mechanism (CURVE here) accepts a
/// connection, libzmq sends a request to the REP socket bound at ``ZAP/endpoint`` in the same
/// context and waits for its reply; a reply's `userID` is attached to every message of that
/// connection as the `User-Id` property (``MultipartBuffer/userID``).
///
/// Bind the handler before any socket that uses it: libzmq lets every client in when no
/// handler is bound.
public enum ZAP {
  /// The endpoint libzmq sends ZAP requests to.
  public static let endpoint = "inproc://zeromq.zap.01"
  static let version: [UInt8] = Array("1.0".utf8)

  /// One authentication request.
  public struct Request: Sendable, Equatable {
    /// Echoed in the reply; libzmq matches replies to requests by it.
    let requestID: [UInt8]
    /// The ZAP domain of the socket being connected to (``SocketOption/zapDomain``).
    public let domain: String
    /// The peer's IP address (empty for ipc).
    public let address: String
    /// `NULL`, `PLAIN` or `CURVE`.
    public let mechanism: String
    /// The mechanism's credentials: for CURVE, the client's 32-byte long-term public key.
    public let credentials: [[UInt8]]

    /// The client's CURVE public key (32 bytes), nil for another mechanism.
    public var curvePublicKey: [UInt8]? {
      guard mechanism == "CURVE", credentials.count == 1, credentials[0].count == 32 else {
        return nil
      }
      return credentials[0]
    }

    /// Reads a request message; nil when it is not one (libzmq only sends well-formed ones).
    public init?(frames: [[UInt8]]) {
      guard frames.count >= 6, frames[0] == ZAP.version else { return nil }
      requestID = frames[1]
      domain = String(decoding: frames[2], as: UTF8.self)
      address = String(decoding: frames[3], as: UTF8.self)
      // frames[4] is the peer's routing ID, which authentication does not use.
      mechanism = String(decoding: frames[5], as: UTF8.self)
      credentials = Array(frames.dropFirst(6))
    }
  }

  /// The handler's answer to a request.
  public enum Decision: Sendable, Equatable {
    /// Let the peer in; its messages carry `userID` as their `User-Id`.
    case allow(userID: String)
    /// Refuse the connection (status 400); the reason is for logs only, the peer sees a failed
    /// handshake.
    case deny(reason: String)
  }

  /// The reply message to `request`.
  public static func reply(to request: Request, _ decision: Decision) -> [[UInt8]] {
    switch decision {
    case .allow(let userID):
      [version, request.requestID, Array("200".utf8), Array("OK".utf8), Array(userID.utf8), []]
    case .deny(let reason):
      [version, request.requestID, Array("400".utf8), Array(reason.utf8), [], []]
    }
  }
}
