import ArgumentParser
import ChannelCastClient
import ChannelCastProtocol
import Foundation
import ZeroMQ

/// Sends one request to the daemon and reports its reply the same way for every subcommand: the
/// `result` on stdout (exit 0), an error reply on stderr (exit 1), no reply or a refused CURVE
/// key on stderr (exit 2).
struct RequestRunner {
  /// The exit status when the daemon answered with an error.
  static let errorReplyStatus = ExitCode(1)
  /// The exit status when no usable reply arrived in time.
  static let noReplyStatus = ExitCode(2)

  let connection: ConnectionOptions

  /// Sends the request `op` with the fields `fill` adds and prints the outcome; throws the exit
  /// code for anything but success.
  func run(_ op: RequestOp, _ fill: (inout JSONObjectWriter) -> Void = { _ in }) throws {
    let curve = try connection.curve.credentials()
    let reply: ChannelCastClient.Reply
    do {
      let context = try ZMQContext()
      let client = try ChannelCastClient(
        endpoint: connection.endpoint, context: context,
        timeoutMilliseconds: connection.timeout, curve: curve)
      reply = try client.call(op, fill)
    } catch ClientError.timedOut(let milliseconds) {
      // A daemon still deciding whether to accept the key looks like one that is not there.
      StandardStreams.printError(
        "no reply from \(connection.endpoint) within \(milliseconds) ms; is channelcastd running "
          + (curve == nil ? "there?" : "there, and does it know this client's key?"))
      throw Self.noReplyStatus
    } catch let error as ClientError {
      StandardStreams.printError("\(error) (from \(connection.endpoint))")
      throw Self.noReplyStatus
    } catch {
      // Typically an endpoint libzmq cannot parse; the daemon was never reached.
      StandardStreams.printError("cannot send to \(connection.endpoint): \(error)")
      throw Self.errorReplyStatus
    }
    guard reply.ok else {
      let code = reply.errorCodeName ?? "unknown_error"
      let message = reply.errorMessage ?? String(decoding: reply.raw, as: UTF8.self)
      StandardStreams.printError("\(code): \(message)")
      throw Self.errorReplyStatus
    }
    guard let result = reply.result else {
      StandardStreams.printError("the reply from \(connection.endpoint) has no result")
      throw Self.noReplyStatus
    }
    StandardStreams.printLine(result.bytes)
  }
}
