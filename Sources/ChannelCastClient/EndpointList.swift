import ZeroMQ

/// A comma-separated list of ZeroMQ endpoints, as the client's `endpoint` parameters accept it:
/// the nodes of a cluster. A ZeroMQ endpoint never holds a comma.
enum EndpointList {
  /// The endpoints of `list`, spaces around each ignored.
  static func endpoints(_ list: String) -> [String] {
    list.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
  }

  /// Connects `socket` to every endpoint of `list`: a DEALER then spreads its requests over
  /// them, a SUB receives from all of them.
  static func connect(_ socket: Socket, to list: String) throws {
    for endpoint in endpoints(list) { try socket.connect(endpoint) }
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in character: Character) -> String {
    String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
  }
}
