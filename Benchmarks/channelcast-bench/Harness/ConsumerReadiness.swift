import ChannelCastCore
import Foundation

/// ZeroMQ delivers to a SUB only what is published after its subscription reached the
/// publisher. Before measuring, make the daemon deliver to a probe user until the counter sees
/// it, then clean up and reset the counter.
enum ConsumerReadiness {
  static func waitUntilReceiving(
    _ counter: DeliveryCounter, population: Population, deadline: Deadline
  ) throws {
    let probe = "@TOA#_bench-probe-\(UInt32.random(in: 0...UInt32.max))"
    try population.createChannel(probe, maxSubscriberCount: 10)
    var attempt = 0
    while counter.count == 0 {
      try deadline.check()
      attempt += 1
      try population.call("subscribeOfficialAccount") {
        $0.add("officialAccountID", probe)
        $0.add("userID", "bench-probe-\(attempt)")
      }
      usleep(20_000)
    }
    try population.call("deleteOfficialAccount") { $0.add("officialAccountID", probe) }
    try counter.waitForQuiet(deadline: deadline)
    counter.reset()
  }
}
