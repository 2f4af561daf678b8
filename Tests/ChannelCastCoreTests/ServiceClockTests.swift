import Foundation
import Synchronization
import Testing

@testable import ChannelCastCore

/// A clock the test sets by hand.
final class ManualClock: TimeSource {
  private let now = Atomic<Int64>(1_800_000_000_000)

  func nowMilliseconds() -> Int64 { now.load(ordering: .relaxed) }
  func advance(milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
}

/// Behaviour that depends on the wall clock, driven through `ChannelCastService.handle` with a
/// manual clock: clientMsgID expiry and send times that never go back.
@Suite struct ServiceClockTests {
  private let clock = ManualClock()
  private let service: ChannelCastService

  init() {
    let directory = UserDirectory()
    let fanOut = FanOut(shardCount: 2, directory: directory, sink: RecordingSink())
    service = ChannelCastService(
      limits: ServiceLimits(), fanOut: fanOut, directory: directory, clock: clock)
    _ = call(
      #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"o","officialAccountName":"News"}"#
    )
  }

  private func call(_ request: String) -> [String: Any] {
    let reply = service.handle(Array(request.utf8))
    service.finishRun()
    return (try? JSONSerialization.jsonObject(with: Data(reply))) as? [String: Any] ?? [:]
  }

  private func send(clientMsgID: String) -> [String: Any] {
    call(
      #"{"op":"sendMessage","officialAccountID":"@TOA#_news","clientMsgID":"\#(clientMsgID)","payload":1}"#
    )["result"] as? [String: Any] ?? [:]
  }

  @Test func aClientMsgIDIsForgottenAfterTenMinutes() {
    let first = send(clientMsgID: "retry-me")
    clock.advance(milliseconds: 10 * 60 * 1000 - 1)
    #expect(send(clientMsgID: "retry-me")["msgKey"] as? String == first["msgKey"] as? String)
    clock.advance(milliseconds: 1)
    let later = send(clientMsgID: "retry-me")
    #expect(later["msgKey"] as? String != first["msgKey"] as? String)
    #expect(later["seq"] as? Int == 2)
  }

  @Test func sendTimesNeverGoBackWhenTheClockDoes() {
    let first = send(clientMsgID: "a")
    clock.advance(milliseconds: -5000)
    let second = send(clientMsgID: "b")
    #expect((second["sendTimeMs"] as? Int ?? 0) >= (first["sendTimeMs"] as? Int ?? .max))
  }
}
