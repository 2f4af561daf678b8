import ChannelCastCluster
import NATS
import NATSTestSupport
import Testing

@Suite struct ClusterSettingsTests {
  @Test func theFirstNodesSettingsAreTheClustersAndADifferentNodeIsRefusedNamingBoth() throws {
    let server = try NATSServerProcess(port: try NATSServerProcess.freePort())
    defer { server.stop() }
    let connection = try NATSConnection(urls: [server.url], name: "test")
    let bucket = try KeyValueBucket(connection: connection, name: "channelcast")
    let settings = ClusterSettingsAgreement(channelPartitions: 32, userPartitions: 256)
    try settings.check(against: bucket)
    try settings.check(against: bucket)  // a second node with the same settings
    let other = ClusterSettingsAgreement(channelPartitions: 32, userPartitions: 128)
    #expect {
      try other.check(against: bucket)
    } throws: { error in
      let text = "\(error)"
      return text.contains("clusterUserPartitions = 128") && text.contains("32 and 256")
    }
  }
}
