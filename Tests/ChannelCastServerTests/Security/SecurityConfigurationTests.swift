import Testing

@testable import ChannelCastServer

@Suite struct SecurityConfigurationTests {
  @Test func onlyLoopbackIPCAndInprocCountAsPrivate() {
    for endpoint in [
      "tcp://127.0.0.1:7701", "tcp://127.1.2.3:1", "tcp://[::1]:7701", "tcp://localhost:7701",
      "tcp://lo:7701", "ipc:///run/channelcast/command.sock", "inproc://x",
    ] {
      #expect(EndpointExposure.isLoopbackOnly(endpoint), "\(endpoint)")
    }
    for endpoint in [
      "tcp://*:7701", "tcp://0.0.0.0:7701", "tcp://10.0.0.5:7701", "tcp://eth0:7701",
      "tcp://[::]:7701", "tcp://example.com:7701", "tcp://127.0.0.1.evil:1", "tcp://128.0.0.1:1",
      "ws://127.0.0.1:1", "pgm://eth0;239.192.1.1:5555",
    ] {
      #expect(!EndpointExposure.isLoopbackOnly(endpoint), "\(endpoint)")
    }
  }

  @Test func anExposedEndpointNeedsCurveOrAllowInsecure() throws {
    var configuration = DaemonConfiguration()
    try configuration.validateSecurity()
    configuration.commandEndpoint = "tcp://*:7701"
    #expect {
      try configuration.validateSecurity()
    } throws: { error in
      let error = error as? ConfigurationError
      return error?.key == "commandEndpoint" && error?.reason.contains("allowInsecure") == true
    }
    configuration.allowInsecure = true
    try configuration.validateSecurity()
    configuration.allowInsecure = false
    configuration.serverKeyFile = "server.key"
    configuration.clientsFile = "clients.toml"
    try configuration.validateSecurity()
  }

  @Test func theKeyFileAndTheClientsFileGoTogether() {
    var configuration = DaemonConfiguration()
    configuration.serverKeyFile = "server.key"
    #expect(throws: ConfigurationError.self) { try configuration.validateSecurity() }
    configuration.serverKeyFile = ""
    configuration.clientsFile = "clients.toml"
    #expect(throws: ConfigurationError.self) { try configuration.validateSecurity() }
  }

  @Test func allowInsecureIsABooleanInTheFile() throws {
    var configuration = DaemonConfiguration()
    try configuration.apply(toml: "allowInsecure = true", source: "test.toml")
    #expect(configuration.allowInsecure)
    #expect(throws: ConfigurationError.self) {
      try configuration.apply(toml: "allowInsecure = \"yes\"", source: "test.toml")
    }
  }

  @Test func anExposedGatewayEndpointNeedsCurveToo() {
    var configuration = DaemonConfiguration()
    configuration.gatewayEndpoint = "tcp://0.0.0.0:7703"
    #expect {
      try configuration.validateSecurity()
    } throws: { error in
      (error as? ConfigurationError)?.key == "gatewayEndpoint"
    }
    configuration.gatewayEndpoint = ""
    #expect(throws: Never.self) { try configuration.validateSecurity() }
  }

  @Test func theDaemonRefusesToStartOnAnExposedEndpointWithoutCurve() {
    #expect(throws: ConfigurationError.self) {
      let daemon = try TestDaemon { $0.deliveryEndpoint = "tcp://0.0.0.0:0" }
      daemon.stop()
    }
  }
}
