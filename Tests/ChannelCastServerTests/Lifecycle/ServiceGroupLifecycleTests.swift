import ChannelCastClient
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import ChannelCastServer

/// The daemon's parts run as the services of one `ServiceGroup`, which stops them in order.
@Suite struct ServiceGroupLifecycleTests {
  @Test func theServicesAreThePartsInDependencyOrder() throws {
    try withDaemon { daemon in
      let names = daemon.daemon.services.map { "\($0)" }
      #expect(
        names == [
          "delivery socket", "gateway socket", "metrics listener", "command server", "monitor",
        ])
    }
  }

  @Test func aGracefulShutdownOfTheGroupStopsServingAndWritesASnapshot() async throws {
    let daemon = try TestDaemon()
    defer { daemon.stop() }
    try daemon.client().createChannel("@TOA#_group")
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: daemon.daemon.services.map {
          .init(
            service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup)
        },
        logger: Logger(label: "test-group")))
    let running = Task { try await group.run() }

    await group.triggerGracefulShutdown()
    try await running.value

    let data = daemon.configuration.dataDirectory
    let files = try FileManager.default.contentsOfDirectory(atPath: data)
    #expect(files.contains { $0.hasPrefix("snapshot-") && $0.hasSuffix(".ccs") }, "\(files)")
    let client = try daemon.client(timeoutMilliseconds: 300)
    #expect(throws: ClientError.self) { try client.call(.ping) }
  }

  @Test func aPartThatEndsByItselfMakesItsServiceThrowWhy() async throws {
    let thread = try DedicatedThread.start(
      name: "cc-test", setUp: {},
      serve: { _, _ in throw DaemonPartError.endedUnexpectedly("test part") })
    let service = DaemonPartService("test part", thread: thread)

    await #expect(throws: DaemonPartError.self) { try await service.run() }
  }

  @Test func aPartAskedToStopEndsItsThreadAndItsRun() async throws {
    let thread = try DedicatedThread.start(
      name: "cc-test", setUp: {},
      serve: { _, thread in while !thread.isStopRequested { usleep(1000) } })
    let service = DaemonPartService("test part", thread: thread)
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [service], logger: Logger(label: "test-group")))
    let running = Task { try await group.run() }

    await group.triggerGracefulShutdown()
    try await running.value

    #expect(thread.isStopRequested)
    #expect(thread.failure == nil)
  }
}
