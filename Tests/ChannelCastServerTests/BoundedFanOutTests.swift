import ChannelCastClient
import ChannelCastCore
import ChannelCastProtocol
import Foundation
import Testing

/// `maxPendingDeliveries`: the work between the command thread and the shards is bounded. When
/// a gateway stops reading under `block`, publishers are refused as `overloaded` once that many
/// deliveries wait, everything else goes on, and nothing acknowledged is lost.
@Suite struct BoundedFanOutTests {
  @Test func aGatewayThatStopsReadingGetsBroadcastsRefusedAsOverloadedUntilItReadsAgain() throws {
    let limit = 5_000
    let daemon = try TestDaemon {
      $0.limits.maxPendingDeliveries = limit
      $0.deliveryHighWaterMark = 50
    }
    defer { daemon.stop() }
    let client = try daemon.client(timeoutMilliseconds: 60_000)
    let users = (0..<1000).map { "reader-\($0)" }
    try client.createChannel("@TOA#_busy")
    try client.subscribe(users, to: "@TOA#_busy")
    let gateway = try daemon.consumer(users: users, receiveHighWaterMark: 50)

    // The gateway does not read. Large payloads fill the kernel's socket buffers quickly too.
    let filler = String(repeating: "x", count: 2000)
    var acknowledged: [Int] = []
    var refusals: [[String: Any]] = []
    // On a loaded machine the shards may only be slow, not blocked: a first refusal can be
    // followed by acceptances while they drain into the socket buffers. Sending goes on until
    // two refusals 200 ms apart see the same backlog, which means the gateway holds it.
    while acknowledged.count < 100 {
      let number = acknowledged.count + 1
      let reply = try client.call(.sendMessage) {
        $0.add("officialAccountID", "@TOA#_busy")
        $0.add("payload", rawJSON: Array("\"\(filler)\(number)\"".utf8))
        $0.add("clientMsgID", "send-\(number)")
      }
      if reply.ok {
        acknowledged.append(number)
        continue
      }
      #expect(reply.errorCode == .overloaded)
      let error = try #require(try JSON.object(reply.raw)["error"] as? [String: Any])
      let details = try #require(error["details"] as? [String: Any])
      refusals.append(details)
      if refusals.count >= 2,
        let last = refusals.last?["pendingDeliveries"] as? Int,
        refusals[refusals.count - 2]["pendingDeliveries"] as? Int == last
      {
        break
      }
      Thread.sleep(forTimeInterval: 0.2)
    }
    #expect(refusals.count >= 2, "100 broadcasts of 1,000 deliveries were all accepted")
    for details in refusals {
      #expect(details["limit"] as? Int == limit)
      // Over the limit by at most the one broadcast that crossed it.
      let pending = details["pendingDeliveries"] as? Int ?? 0
      #expect(pending > limit && pending <= limit + users.count)
      #expect((details["retryAfterMs"] as? Int ?? 0) > 0)
    }

    // The other fan-out requests are refused too; per-user operations and reads go on.
    try client.expectError(.overloaded, .recallMessages) {
      $0.add("officialAccountID", "@TOA#_busy")
      var keys = JSONArrayWriter()
      keys.append("anything")
      $0.add("msgKeys", array: keys)
    }
    try client.expectError(.overloaded, .setOfficialAccountInfo) {
      $0.add("officialAccountID", "@TOA#_busy")
      $0.add("introduction", "changed")
    }
    try client.subscribe("newcomer", to: "@TOA#_busy")
    let info = try client.expectOK(.getOfficialAccountsInfo) {
      var ids = JSONArrayWriter()
      ids.append("@TOA#_busy")
      $0.add("officialAccountIDList", array: ids)
    }
    // The refused requests took no seq.
    let result = (info["results"] as? [[String: Any]])?.first
    let account = result?["officialAccountInfo"] as? [String: Any]
    #expect(account?["lastSeq"] as? Int == acknowledged.count)

    // The gateway reads again: every acknowledged broadcast reaches every user, in order.
    var seqs: [String: [Int]] = [:]
    for (user, envelope) in try gateway.receive(acknowledged.count * users.count) {
      seqs[user, default: []].append(envelope["seq"] as? Int ?? -1)
    }
    #expect(seqs.count == users.count)
    for (_, received) in seqs { #expect(received == Array(1...acknowledged.count)) }

    // Sends are accepted again, and the refused request's clientMsgID was left unused.
    let refusedNumber = acknowledged.count + 1
    let retried = try client.expectOK(.sendMessage) {
      $0.add("officialAccountID", "@TOA#_busy")
      $0.add("payload", rawJSON: Array("\"\(filler)\(refusedNumber)\"".utf8))
      $0.add("clientMsgID", "send-\(refusedNumber)")
    }
    #expect(retried["seq"] as? Int == acknowledged.count + 1)
    #expect(try gateway.receive(users.count).count == users.count)
  }
}
