import ChannelCastClient
import ChannelCastCore
import Foundation
import Testing
import ZeroMQ

/// A request over `maxRequestBytes` drops the client's connection inside libzmq: the one case
/// without an error reply. The daemon counts it and keeps serving.
@Suite struct RequestSizeLimitTests {
  @Test func aRequestOverTheLimitDropsTheConnectionIsCountedAndTheDaemonServesOn() throws {
    try withDaemon { daemon in
      let address = try #require(daemon.daemon.metricsAddress)
      let socket = try Socket(context: daemon.context, type: .dealer)
      defer { socket.close() }
      try socket.setOption(.linger, 0)
      try socket.connect(daemon.configuration.commandEndpoint)
      let name = String(repeating: "x", count: 100_000)
      try socket.sendMultipart([
        [], Array(#"{"op":"ping","id":1,"pad":"\#(name)"}"#.utf8),
      ])
      usleep(500_000)
      #expect(try socket.receiveMultipart(dontWait: true) == nil, "a reply came")

      var disconnections = 0.0
      for _ in 0..<100 where disconnections < 1 {
        let text = try #require(HTTPGet.get("/metrics", from: address)).body
        disconnections = HTTPGet.sample("channelcast_command_disconnections_total", in: text) ?? 0
        usleep(20_000)
      }
      #expect(disconnections >= 1)
      #expect(try daemon.client().expectOK(.ping)["protocolVersion"] as? Int == 1)
    }
  }
}
