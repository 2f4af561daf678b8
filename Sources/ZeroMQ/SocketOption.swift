import CZeroMQ

/// A socket option together with how its value is laid out in C.
///
/// libzmq rejects a value of the wrong size with `EINVAL` (`ZMQ_MAXMSGSIZE` is `int64_t`, most
/// others are `int`), so each option fixes its Swift type and C representation once, here:
/// `socket.setOption(.maxMessageSize, 1 << 20)` cannot pass an `int` by mistake.
public struct SocketOption<Value>: Sendable {
  /// The `ZMQ_*` option number.
  public let name: Int32
  /// The `ZMQ_*` macro name, used in error messages.
  public let label: String
  /// Calls `zmq_setsockopt`; returns its result.
  let write: @Sendable (_ socket: UnsafeMutableRawPointer, _ name: Int32, _ value: Value) -> Int32
  /// Calls `zmq_getsockopt`; nil when it failed (`errno` tells why).
  let read: @Sendable (_ socket: UnsafeMutableRawPointer, _ name: Int32) -> Value?

  /// An option that libzmq stores as a C integer of exactly the type `CValue`.
  static func integer<CValue: FixedWidthInteger & Sendable>(
    _ name: Int32, _ label: String, as _: CValue.Type,
    encode: @escaping @Sendable (Value) -> CValue,
    decode: @escaping @Sendable (CValue) -> Value
  ) -> SocketOption {
    SocketOption(
      name: name, label: label,
      write: { socket, name, value in
        withUnsafeBytes(of: encode(value)) {
          zmq_setsockopt(socket, name, $0.baseAddress, $0.count)
        }
      },
      read: { socket, name in
        var value = CValue.zero
        var size = MemoryLayout<CValue>.size
        return zmq_getsockopt(socket, name, &value, &size) == 0 ? decode(value) : nil
      }
    )
  }

  /// An option that libzmq stores as a byte string. Reading needs a buffer of `readCapacity`
  /// bytes: libzmq fails rather than truncate, and CURVE keys come back as Z85 text only when
  /// the buffer is exactly 41 bytes.
  static func bytes(
    _ name: Int32, _ label: String, readCapacity: Int,
    encode: @escaping @Sendable (Value) -> [UInt8],
    decode: @escaping @Sendable (UnsafeRawBufferPointer) -> Value
  ) -> SocketOption {
    SocketOption(
      name: name, label: label,
      write: { socket, name, value in
        encode(value).withUnsafeBytes { zmq_setsockopt(socket, name, $0.baseAddress, $0.count) }
      },
      read: { socket, name in
        var buffer = [UInt8](repeating: 0, count: readCapacity)
        var size = readCapacity
        guard zmq_getsockopt(socket, name, &buffer, &size) == 0 else { return nil }
        return buffer.withUnsafeBytes { decode(UnsafeRawBufferPointer(rebasing: $0.prefix(size))) }
      }
    )
  }
}

extension SocketOption where Value == Int32 {
  private static func int(_ name: Int32, _ label: String) -> SocketOption {
    .integer(name, label, as: Int32.self, encode: { $0 }, decode: { $0 })
  }

  /// How long, in milliseconds, unsent messages are kept after closing (`ZMQ_LINGER`);
  /// -1 waits forever and also blocks context termination, 0 discards them.
  public static var linger: SocketOption { int(ZMQ_LINGER, "ZMQ_LINGER") }
  /// Outgoing messages queued per peer before sends block or drop (`ZMQ_SNDHWM`); 0 = no limit.
  public static var sendHighWaterMark: SocketOption { int(ZMQ_SNDHWM, "ZMQ_SNDHWM") }
  /// Incoming messages queued per peer before libzmq stops reading (`ZMQ_RCVHWM`); 0 = no limit.
  public static var receiveHighWaterMark: SocketOption { int(ZMQ_RCVHWM, "ZMQ_RCVHWM") }
  /// The kernel's send buffer of each TCP connection, in bytes (`ZMQ_SNDBUF`, `SO_SNDBUF`);
  /// -1 = the OS default. libzmq 4.3 applies it to tcp:// connections only, not ipc://.
  public static var sendBufferSize: SocketOption { int(ZMQ_SNDBUF, "ZMQ_SNDBUF") }
  /// The kernel's receive buffer of each TCP connection, in bytes (`ZMQ_RCVBUF`, `SO_RCVBUF`);
  /// -1 = the OS default. libzmq 4.3 applies it to tcp:// connections only, not ipc://.
  public static var receiveBufferSize: SocketOption { int(ZMQ_RCVBUF, "ZMQ_RCVBUF") }
  /// Milliseconds a blocking send waits before failing with `EAGAIN` (`ZMQ_SNDTIMEO`); -1 = forever.
  public static var sendTimeout: SocketOption { int(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO") }
  /// Milliseconds a blocking receive waits before failing with `EAGAIN` (`ZMQ_RCVTIMEO`);
  /// -1 = forever.
  public static var receiveTimeout: SocketOption { int(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO") }
  /// Read-only: the `ZMQ_POLLIN`/`ZMQ_POLLOUT` bits the socket is ready for now (`ZMQ_EVENTS`);
  /// see ``PollEvents``.
  public static var events: SocketOption { int(ZMQ_EVENTS, "ZMQ_EVENTS") }
  /// Read-only: a file descriptor that becomes readable when ``events`` may have changed
  /// (`ZMQ_FD`); edge-triggered, so re-check ``events`` after every wake-up.
  public static var fileDescriptor: SocketOption { int(ZMQ_FD, "ZMQ_FD") }
  /// Milliseconds between the ZMTP heartbeats (PINGs) sent on each connection
  /// (`ZMQ_HEARTBEAT_IVL`); 0 = none. Set before binding or connecting.
  public static var heartbeatInterval: SocketOption {
    int(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL")
  }
  /// Milliseconds without any traffic from the peer after a heartbeat before libzmq closes the
  /// connection (`ZMQ_HEARTBEAT_TIMEOUT`).
  public static var heartbeatTimeout: SocketOption {
    int(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT")
  }
}

extension SocketOption where Value == Int64 {
  /// The largest message accepted from a peer, in bytes, before it is disconnected
  /// (`ZMQ_MAXMSGSIZE`, an `int64_t`); -1 = no limit.
  public static var maxMessageSize: SocketOption {
    .integer(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", as: Int64.self, encode: { $0 }, decode: { $0 })
  }
}

extension SocketOption where Value == Bool {
  private static func flag(_ name: Int32, _ label: String) -> SocketOption {
    .integer(name, label, as: Int32.self, encode: { $0 ? 1 : 0 }, decode: { $0 != 0 })
  }

  /// Write-only: on an `xpub` socket, a send to a subscriber at the high-water mark fails with
  /// `EAGAIN` instead of silently dropping the message (`ZMQ_XPUB_NODROP`). Retry a refused
  /// send after a pause (a millisecond or so): ``Poller`` reports an XPUB writable even when
  /// full, and the socket notices that subscribers caught up only when it next processes its
  /// internal commands, which sends do at most about once a millisecond.
  public static var xpubNoDrop: SocketOption { flag(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP") }
  /// Write-only: an `xpub` socket passes on every subscription message, not only the first
  /// for each topic (`ZMQ_XPUB_VERBOSE`).
  public static var xpubVerbose: SocketOption { flag(ZMQ_XPUB_VERBOSE, "ZMQ_XPUB_VERBOSE") }
  /// Write-only: a `router` send to an unknown routing ID fails with `EHOSTUNREACH` instead of
  /// being dropped (`ZMQ_ROUTER_MANDATORY`).
  public static var routerMandatory: SocketOption {
    flag(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY")
  }
  /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`).
  public static var immediate: SocketOption { flag(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE") }
  /// Use IPv6 as well as IPv4 on tcp endpoints (`ZMQ_IPV6`).
  public static var ipv6: SocketOption { flag(ZMQ_IPV6, "ZMQ_IPV6") }
  /// The socket is a CURVE server: it needs ``curveSecretKey`` and authenticates clients
  /// (`ZMQ_CURVE_SERVER`).
  public static var curveServer: SocketOption { flag(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER") }
}

extension SocketOption where Value == [UInt8] {
  private static func binary(_ name: Int32, _ label: String) -> SocketOption {
    // 255 bytes is the longest routing ID libzmq allows, the only binary option read back.
    .bytes(name, label, readCapacity: 255, encode: { $0 }, decode: { Array($0) })
  }

  /// Write-only: on a `sub` socket, receive messages starting with these bytes
  /// (`ZMQ_SUBSCRIBE`).
  public static var subscribe: SocketOption { binary(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE") }
  /// Write-only: remove one matching ``subscribe`` (`ZMQ_UNSUBSCRIBE`).
  public static var unsubscribe: SocketOption { binary(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE") }
  /// The identity a `router` peer sees for this socket, 1 to 255 bytes, not starting with a zero
  /// byte; set it before connecting (`ZMQ_ROUTING_ID`).
  public static var routingID: SocketOption { binary(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID") }
}

extension SocketOption where Value == String {
  private static func text(_ name: Int32, _ label: String, readCapacity: Int) -> SocketOption {
    .bytes(
      name, label, readCapacity: readCapacity, encode: { Array($0.utf8) },
      decode: { String(nulTerminatedUTF8: $0) })
  }

  // Z85 text is 40 characters; libzmq returns it (with its NUL) only into a 41-byte buffer.
  private static func curveKey(_ name: Int32, _ label: String) -> SocketOption {
    text(name, label, readCapacity: 41)
  }

  /// This socket's long-term CURVE public key, as 40 characters of Z85 (`ZMQ_CURVE_PUBLICKEY`).
  public static var curvePublicKey: SocketOption {
    curveKey(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY")
  }
  /// This socket's long-term CURVE secret key, as 40 characters of Z85 (`ZMQ_CURVE_SECRETKEY`).
  public static var curveSecretKey: SocketOption {
    curveKey(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY")
  }
  /// On a CURVE client, the server's public key, as 40 characters of Z85
  /// (`ZMQ_CURVE_SERVERKEY`).
  public static var curveServerKey: SocketOption {
    curveKey(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY")
  }
  /// The ZAP authentication domain of this socket (`ZMQ_ZAP_DOMAIN`).
  public static var zapDomain: SocketOption {
    text(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", readCapacity: 256)
  }

  /// Read-only; public as ``Socket/lastEndpoint``. An ipc path is at most 107 bytes, so
  /// 256 bytes hold any endpoint.
  static var lastEndpoint: SocketOption {
    text(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT", readCapacity: 256)
  }
}
