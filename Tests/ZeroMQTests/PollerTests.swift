import Testing
import ZeroMQ

@Suite("Poller")
struct PollerTests {
  @Test func reportsWritableAndThenReadable() throws {
    try withIPCDirectory { directory in
      let context = try ZMQContext()
      let left = try makeSocket(context, .pair)
      let right = try makeSocket(context, .pair)
      try right.bind(directory.endpoint("pair"))
      try left.connect(directory.endpoint("pair"))

      let beforeSend = try Poller.poll(
        [(left, [.readable, .writable]), (right, .readable)], timeoutMilliseconds: 5_000)
      #expect(beforeSend == [.writable, []])

      try left.send("hello")
      let afterSend = try Poller.poll([(right, .readable)], timeoutMilliseconds: 5_000)
      #expect(afterSend == [.readable])
    }
  }

  @Test func timesOutWithNoEvents() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    try pull.bind("tcp://127.0.0.1:*")

    let clock = ContinuousClock()
    let start = clock.now
    let ready = try Poller.poll([(pull, .readable)], timeoutMilliseconds: 50)
    #expect(ready == [[]])
    #expect(clock.now - start >= .milliseconds(45))
  }

  @Test func closedSocketCannotBePolled() throws {
    let context = try ZMQContext()
    let pull = try makeSocket(context, .pull)
    pull.close()
    #expect(throws: ZMQError.self) {
      try Poller.poll([(pull, .readable)], timeoutMilliseconds: 0)
    }
  }
}
