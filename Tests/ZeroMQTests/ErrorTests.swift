import Foundation
import Testing
import ZeroMQ

@Suite("Errors")
struct ErrorTests {
  @Test(arguments: ["tcp://no-port", "carrier-pigeon://coop", "no scheme at all"])
  func malformedEndpointIsRejectedWithLibzmqText(endpoint: String) throws {
    let context = try ZMQContext()
    let socket = try makeSocket(context, .pub)
    let error = try #require(throws: ZMQError.self) { try socket.bind(endpoint) }
    #expect([EINVAL, EPROTONOSUPPORT].contains(error.code))
    #expect(error.message == String(cString: strerror(error.code)))
    #expect(error.operation == "zmq_bind(\(endpoint))")
    #expect(error.description == "zmq_bind(\(endpoint)): \(error.message)")
  }

  @Test func libzmqOwnCodesHaveText() {
    let error = ZMQError(code: 156_384_712 + 51, operation: "zmq_send")  // EFSM
    #expect(error.message == "Operation cannot be accomplished in current state")
    #expect(!error.isTerminated && !error.isWouldBlock && !error.isInterrupted)
  }

  @Test func shutdownWakesABlockedReceiveInAnotherThread() async throws {
    let context = try ZMQContext()
    let (receiving, receivingContinuation) = AsyncStream.makeStream(of: Void.self)
    async let outcome = receiveOnDedicatedThread(context) { receivingContinuation.yield() }

    for await _ in receiving { break }
    // Give the thread time to block inside zmq_msg_recv; if it has not yet, the receive still
    // fails with ETERM, since every call on a shut-down context does.
    try await Task.sleep(for: .milliseconds(100))
    context.shutdown()

    let error = await outcome
    #expect(error?.isTerminated == true)
  }

  @Test func closedSocketRejectsCallsAndClosesOnlyOnce() throws {
    let context = try ZMQContext()
    let socket = try makeSocket(context, .push)
    socket.close()
    socket.close()
    let error = try #require(throws: ZMQError.self) { try socket.send("late") }
    #expect(error.code == ENOTSOCK)
  }

  @Test func socketOnAShutDownContextIsTerminated() throws {
    let context = try ZMQContext()
    context.shutdown()
    let error = try #require(throws: ZMQError.self) { try Socket(context: context, type: .pub) }
    #expect(error.isTerminated)
  }
}

/// Creates a PULL socket on a new thread (its only owner), reports when it is about to block
/// in a receive with no timeout, and returns the error that ended the receive.
private func receiveOnDedicatedThread(
  _ context: ZMQContext, aboutToReceive: @escaping @Sendable () -> Void
) async -> ZMQError? {
  await withCheckedContinuation { continuation in
    Thread.detachNewThread {
      do throws(ZMQError) {
        let socket = try Socket(context: context, type: .pull)
        try socket.setOption(.linger, 0)
        // A bounded wait, so a shutdown that fails to wake it fails the test with EAGAIN.
        try socket.setOption(.receiveTimeout, 10_000)
        try socket.bind("tcp://127.0.0.1:*")
        aboutToReceive()
        _ = try socket.receiveFrame()
        continuation.resume(returning: nil)
      } catch {
        continuation.resume(returning: error)
      }
    }
  }
}
