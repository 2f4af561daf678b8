import ChannelCastProtocol

/// A request on the gateway socket, read and checked: `{"op": ..., "id": ..., ...}` as on the
/// command socket (docs/protocol.md, Gateway socket).
public struct GatewayRequest: Sendable {
  public enum Operation: Sendable, Equatable {
    case hello(gatewayID: ByteString)
    case attach([ByteString])
    case detach([ByteString])
    case bye
  }

  /// The request's `id`, exactly as it wrote it (`null` when it had none).
  public let id: [UInt8]
  public let operation: Operation

  /// Reads one request frame. Throws the reply to send instead when the frame is not a valid
  /// request (the reply names what is wrong).
  public static func decode(_ frame: some Collection<UInt8>) throws(GatewayReplyError)
    -> GatewayRequest
  {
    let fields: JSONObject
    do {
      fields = try JSONParser.parseObject(ArraySlice(frame))
    } catch {
      throw GatewayReplyError(
        id: Array(Reply.nullID),
        error: ChannelCastError(.invalidArgument, "the request is not valid JSON: \(error)"))
    }
    let request = Request(fields: fields)
    let id = Array(fields["id"]?.bytes ?? Reply.nullID)
    do throws(ChannelCastError) {
      return GatewayRequest(id: id, operation: try operation(of: request))
    } catch {
      throw GatewayReplyError(id: id, error: error)
    }
  }

  private static func operation(of request: Request) throws(ChannelCastError) -> Operation {
    guard let opValue = request.value("op") else { throw .missing("op") }
    guard let op = opValue.withStringBytes(GatewayOp.init(name:)) ?? nil else {
      throw ChannelCastError(
        .unknownOp,
        "op must be one of \(GatewayOp.allCases.map(\.rawValue).joined(separator: ", "))",
        details: .init(field: "op"))
    }
    switch op {
    case .hello:
      let gatewayID = try request.requiredBytes("gatewayID")
      try validateGatewayID(gatewayID)
      guard
        let version = try request.integer("protocolVersion", in: 1...Int(Int32.max)),
        version == GatewayProtocol.version
      else {
        throw ChannelCastError(
          .invalidArgument,
          "protocolVersion must be \(GatewayProtocol.version), the version this daemon speaks",
          details: .init(field: "protocolVersion", limit: GatewayProtocol.version))
      }
      return .hello(gatewayID: gatewayID)
    case .attach:
      return .attach(try userIDList(request))
    case .detach:
      return .detach(try userIDList(request))
    case .bye:
      return .bye
    }
  }

  /// 1 to 64 bytes, no control characters.
  static func validateGatewayID(_ id: ByteString) throws(ChannelCastError) {
    guard !id.bytes.isEmpty else { throw .invalid("gatewayID", "gatewayID must not be empty") }
    guard id.count <= GatewayProtocol.gatewayIDBytes else {
      throw .tooLong("gatewayID", size: id.count, limit: GatewayProtocol.gatewayIDBytes)
    }
    if id.description.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    {
      throw .invalid("gatewayID", "gatewayID must not contain control characters")
    }
  }

  private static func userIDList(_ request: Request) throws(ChannelCastError) -> [ByteString] {
    let limit = GatewayProtocol.usersPerRequest
    guard let values = try request.array("userIDList", limit: limit), !values.isEmpty else {
      throw .invalid("userIDList", "userIDList must name 1 to \(limit) users")
    }
    var userIDs: [ByteString] = []
    userIDs.reserveCapacity(values.count)
    for value in values {
      guard let bytes = value.stringBytes else {
        throw .invalid("userIDList", "userIDList must hold strings")
      }
      let userID = ByteString(bytes)
      try FieldValidation.userID(userID, field: "userIDList")
      userIDs.append(userID)
    }
    return userIDs
  }
}

/// A gateway request that gets an error reply; `reply` is that reply.
public struct GatewayReplyError: Error, Sendable {
  public let id: [UInt8]
  public let error: ChannelCastError

  public init(id: [UInt8], error: ChannelCastError) {
    self.id = id
    self.error = error
  }

  public var reply: [UInt8] { Reply.failure(id: id[...], error: error) }
}

/// The replies of the gateway socket.
public enum GatewayReply {
  public static func hello(id: [UInt8], batchMaxUsers: Int) -> [UInt8] {
    var result = JSONObjectWriter()
    result.add("protocolVersion", GatewayProtocol.version)
    result.add("batchMaxUsers", batchMaxUsers)
    return Reply.success(id: id[...], result: result)
  }

  public static func attached(id: [UInt8], count: Int) -> [UInt8] {
    counted("attached", count, id: id)
  }

  public static func detached(id: [UInt8], count: Int) -> [UInt8] {
    counted("detached", count, id: id)
  }

  public static func bye(id: [UInt8]) -> [UInt8] {
    Reply.success(id: id[...], result: JSONObjectWriter())
  }

  public static func failure(id: [UInt8], _ error: ChannelCastError) -> [UInt8] {
    Reply.failure(id: id[...], error: error)
  }

  private static func counted(_ key: String, _ count: Int, id: [UInt8]) -> [UInt8] {
    var result = JSONObjectWriter()
    result.add(key, count)
    return Reply.success(id: id[...], result: result)
  }
}
