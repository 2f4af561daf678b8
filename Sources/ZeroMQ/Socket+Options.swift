import CZeroMQ

extension Socket {
  /// Sets `option` to `value` (`zmq_setsockopt`), passing the C size libzmq expects.
  public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
    let operation = "zmq_setsockopt(\(option.label))"
    let socket = try handle(for: operation)
    guard option.write(socket, option.name, value) == 0 else { throw .lastError(of: operation) }
  }

  /// Reads the current value of `option` (`zmq_getsockopt`).
  public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
    let operation = "zmq_getsockopt(\(option.label))"
    let socket = try handle(for: operation)
    guard let value = option.read(socket, option.name) else { throw .lastError(of: operation) }
    return value
  }

  /// Subscribes a `sub` socket to messages whose first frame starts with `topic`
  /// (an empty topic matches everything).
  public func subscribe(_ topic: [UInt8]) throws(ZMQError) {
    try setOption(.subscribe, topic)
  }

  /// Subscribes a `sub` socket to messages whose first frame starts with the UTF-8 of `topic`.
  public func subscribe(_ topic: String) throws(ZMQError) {
    try setOption(.subscribe, Array(topic.utf8))
  }

  /// Removes one earlier subscription to exactly `topic`.
  public func unsubscribe(_ topic: [UInt8]) throws(ZMQError) {
    try setOption(.unsubscribe, topic)
  }

  /// Removes one earlier subscription to exactly the UTF-8 of `topic`.
  public func unsubscribe(_ topic: String) throws(ZMQError) {
    try setOption(.unsubscribe, Array(topic.utf8))
  }
}
