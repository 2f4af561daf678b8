import ChannelCastCore
import Foundation
import Testing

@testable import ChannelCastServer

#if canImport(Glibc)
  import Glibc
#endif

/// `/readyz` answers 503 while the daemon recovers its data and 200 once it serves.
@Suite struct ReadinessTests {
  @Test func readyzIsUnavailableDuringRecoveryAndOKAfter() throws {
    let work = try DurabilityScratch()
    defer { work.remove() }
    let data = work.path("data")
    try Self.writeJournal(subscriptions: 60_000, into: data, work)
    let port = try Self.freePort()
    let address = "127.0.0.1:\(port)"

    // A poller watches /readyz while this thread starts the daemon (which recovers first).
    let poller = ReadinessPoller(address: address)
    let daemon = try TestDaemon {
      $0.dataDirectory = data
      $0.metricsAddress = address
    }
    defer { daemon.stop() }
    var statuses = poller.stop()
    statuses.append(try #require(HTTPGet.get("/readyz", from: address)).status)
    #expect(statuses.first == 503, "seen: \(statuses)")
    #expect(statuses.last == 200, "seen: \(statuses)")
    #expect(Array(statuses.drop { $0 == 503 }).allSatisfy { $0 == 200 }, "seen: \(statuses)")
  }

  /// A journal of `subscriptions` subscribes, long enough that replaying it takes a while.
  private static func writeJournal(
    subscriptions: Int, into data: String, _ work: DurabilityScratch
  ) throws {
    let (service, persistence, _) = try work.openService(data).parts
    try work.expectOK(
      service,
      #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_big","ownerUserID":"o","officialAccountName":"Big","maxSubscriberCount":1000000}"#
    )
    for first in stride(from: 0, to: subscriptions, by: 1000) {
      let users = (first..<first + 1000).map { "\"user-\($0)\"" }.joined(separator: ",")
      try work.expectOK(
        service,
        #"{"op":"subscribeOfficialAccount","officialAccountID":"@TOA#_big","userIDList":[\#(users)]}"#
      )
    }
    try persistence.close()
  }

  /// A loopback port nothing listens on right now.
  private static func freePort() throws -> UInt16 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
      }
    }
    try #require(bound)
    return UInt16(bigEndian: address.sin_port)
  }
}

/// Asks `/readyz` every 2 ms on its own thread, keeping each change of answer.
private final class ReadinessPoller: @unchecked Sendable {
  private let lock = NSLock()
  private var statuses: [Int] = []
  private var stopped = false
  private let finished = DispatchSemaphore(value: 0)

  init(address: String) {
    Thread { [self] in
      while !lock.withLock({ stopped }) {
        if let status = HTTPGet.get("/readyz", from: address)?.status {
          lock.withLock { if statuses.last != status { statuses.append(status) } }
        }
        usleep(2000)
      }
      finished.signal()
    }.start()
  }

  /// Stops polling; returns the answers seen, in order.
  func stop() -> [Int] {
    lock.withLock { stopped = true }
    finished.wait()
    return lock.withLock { statuses }
  }
}
