import ChannelCastServer
import Testing

/// The cluster-mode settings: read from a TOML file or flags, off by default, and refused with
/// the key and the limit when a node could not run with them.
@Suite struct ClusterConfigurationTests {
  private func error(_ body: () throws(ConfigurationError) -> Void) -> ConfigurationError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  /// A configuration in cluster mode, with `toml` after a server and a node name.
  private func clusterConfiguration(_ toml: String = "") throws -> DaemonConfiguration {
    var configuration = DaemonConfiguration()
    try configuration.apply(
      toml: """
        clusterNatsURLs = ["nats://127.0.0.1:4222"]
        clusterNodeName = "node-1"
        \(toml)
        """, source: "cluster.toml")
    return configuration
  }

  @Test func singleNodeModeIsTheDefault() throws {
    let configuration = DaemonConfiguration()
    #expect(configuration.clusterSettings == nil)
    #expect(ConfigurationKey.named("clusterNatsURLs")?.defaultValue == "[]")
    try configuration.validateCluster()
  }

  @Test func theNATSServersAreATOMLArrayOfStrings() throws {
    var configuration = DaemonConfiguration()
    try configuration.apply(
      toml: """
        clusterNatsURLs = ["nats://127.0.0.1:4222", "tls://10.0.0.2:4223"]
        clusterNodeName = "eu_1-a"
        clusterChannelPartitions = 64
        clusterUserPartitions = 1024
        clusterStreamReplicas = 5
        clusterHeartbeatMilliseconds = 500
        clusterOwnerTimeoutMilliseconds = 1500
        clusterRequestTimeoutMilliseconds = 2000
        """, source: "cluster.toml")
    try configuration.validateCluster()
    let settings = try #require(configuration.clusterSettings)
    #expect(settings.natsURLs == ["nats://127.0.0.1:4222", "tls://10.0.0.2:4223"])
    #expect(settings.nodeName == "eu_1-a")
    #expect(settings.channelPartitions == 64)
    #expect(settings.userPartitions == 1024)
    #expect(settings.streamReplicas == 5)
    #expect(settings.heartbeatMilliseconds == 500)
    #expect(settings.ownerTimeoutMilliseconds == 1500)
    #expect(settings.requestTimeoutMilliseconds == 2000)
    #expect(
      ConfigurationKey.named("clusterNatsURLs")?.current(configuration)
        == "[\"nats://127.0.0.1:4222\", \"tls://10.0.0.2:4223\"]")
  }

  @Test func theFlagTakesTheServersCommaSeparated() throws {
    let values = try ConfigurationKey.values(fromFlags: [
      "--cluster-nats-urls", "nats://127.0.0.1:4222,nats://127.0.0.1:4223",
      "--cluster-nats-urls=",
    ])
    #expect(values.map(\.0.flag) == ["--cluster-nats-urls", "--cluster-nats-urls"])
    #expect(
      values.map(\.1) == [
        .strings(["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]), .strings([]),
      ])
    var configuration = DaemonConfiguration()
    try configuration.set("clusterNatsURLs", to: values[0].1, source: "command line")
    #expect(configuration.clusterSettings?.natsURLs.count == 2)
  }

  @Test func aListThatIsNotAnArrayOfStringsIsAnErrorNamingTheKey() {
    for (toml, expected) in [
      ("clusterNatsURLs = \"nats://127.0.0.1:4222\"", "expected an array of strings, got a string"),
      ("clusterNatsURLs = [\"nats://127.0.0.1:4222\", 4223]", "element 2 is of type int"),
    ] {
      var configuration = DaemonConfiguration()
      let failure = error { () throws(ConfigurationError) in
        try configuration.apply(toml: toml, source: "c.toml")
      }
      #expect(failure?.key == "clusterNatsURLs", "\(toml)")
      #expect(failure?.reason.contains(expected) == true, "\(failure?.reason ?? "")")
    }
  }

  @Test func clusterModeWithoutANodeNameIsRefusedNamingClusterNodeName() throws {
    var configuration = DaemonConfiguration()
    try configuration.set(
      "clusterNatsURLs", to: .strings(["nats://127.0.0.1:4222"]), source: "command line")
    let failure = error { () throws(ConfigurationError) in try configuration.validateCluster() }
    #expect(failure?.key == "clusterNodeName")
    #expect(failure?.description.hasPrefix("clusterNodeName: cluster mode") == true)
  }

  @Test func aServerURLOtherThanNATSOrTLSIsRefused() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.apply(
        toml: "clusterNatsURLs = [\"nats://127.0.0.1:4222\", \"http://127.0.0.1:8222\"]",
        source: "c.toml")
    }
    #expect(
      failure?.description
        == "c.toml: clusterNatsURLs: \"http://127.0.0.1:8222\" is not a NATS URL; it must start "
        + "with nats:// or tls://")
  }

  @Test func aNodeNameOutsideItsAlphabetOrLongerThan64CharactersIsRefused() {
    for (name, expected) in [
      ("node.1", "may hold only the characters A-Z, a-z, 0-9, _ and -"),
      ("node 1", "may hold only the characters A-Z, a-z, 0-9, _ and -"),
      ("nœud", "may hold only the characters A-Z, a-z, 0-9, _ and -"),
      (String(repeating: "n", count: 65), "is 65 characters; the limit is 64"),
    ] {
      var configuration = DaemonConfiguration()
      let failure = error { () throws(ConfigurationError) in
        try configuration.set("clusterNodeName", to: .string(name), source: "command line")
      }
      #expect(failure?.key == "clusterNodeName", "\(name)")
      #expect(failure?.reason.contains(expected) == true, "\(failure?.reason ?? "")")
    }
    var configuration = DaemonConfiguration()
    #expect(throws: Never.self) {
      try configuration.set(
        "clusterNodeName", to: .string(String(repeating: "n", count: 64)), source: "command line")
    }
  }

  @Test func anOwnerTimeoutShorterThanThreeHeartbeatsIsRefused() throws {
    let tooShort = try clusterConfiguration(
      "clusterHeartbeatMilliseconds = 2000\nclusterOwnerTimeoutMilliseconds = 5999")
    let failure = error { () throws(ConfigurationError) in try tooShort.validateCluster() }
    #expect(failure?.key == "clusterOwnerTimeoutMilliseconds")
    #expect(
      failure?.reason
        == "5999 is less than three heartbeats; it must be at least 3 × "
        + "clusterHeartbeatMilliseconds = 6000")
    let threeHeartbeats = try clusterConfiguration(
      "clusterHeartbeatMilliseconds = 2000\nclusterOwnerTimeoutMilliseconds = 6000")
    try threeHeartbeats.validateCluster()
  }

  @Test func streamReplicasAreOneThreeOrFive() {
    var configuration = DaemonConfiguration()
    let failure = error { () throws(ConfigurationError) in
      try configuration.set("clusterStreamReplicas", to: .integer(2), source: "command line")
    }
    #expect(
      failure?.description
        == "command line: clusterStreamReplicas: 2 is not allowed; it must be one of 1, 3, 5")
  }

  @Test func theFlagsAreTheKeysInKebabCaseAndNoneIsReloadable() {
    let cluster = ConfigurationKey.all.filter { $0.name.hasPrefix("cluster") }
    #expect(
      cluster.map(\.flag) == [
        "--cluster-nats-urls", "--cluster-node-name", "--cluster-channel-partitions",
        "--cluster-user-partitions", "--cluster-stream-replicas",
        "--cluster-heartbeat-milliseconds", "--cluster-owner-timeout-milliseconds",
        "--cluster-request-timeout-milliseconds", "--cluster-snapshot-entries",
      ])
    #expect(cluster.allSatisfy { !$0.isReloadable })
  }
}
