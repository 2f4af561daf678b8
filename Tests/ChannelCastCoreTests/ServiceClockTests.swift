import ChannelCastProtocol
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
    service = .withEmptyState(fanOut: fanOut, directory: directory, clock: clock)
    _ = call(
      #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"o","officialAccountName":"News"}"#
    )
  }

  private func call(_ request: String) -> [String: Any] {
    let reply = service.reply(to: request)
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

/// The limits against abuse that depend on the clock: a channel's send rate and the window in
/// which the same payload is refused.
@Suite struct SendLimitTests {
  private let clock = ManualClock()

  private func makeService(_ configure: (inout ServiceLimits) -> Void) -> ChannelCastService {
    let directory = UserDirectory()
    var limits = ServiceLimits()
    configure(&limits)
    let service = ChannelCastService.withEmptyState(
      limits: limits, fanOut: FanOut(shardCount: 2, directory: directory, sink: RecordingSink()),
      directory: directory, clock: clock)
    _ = call(
      service,
      #"{"op":"createOfficialAccount","officialAccountID":"@TOA#_news","ownerUserID":"o","officialAccountName":"News"}"#
    )
    return service
  }

  private func call(_ service: ChannelCastService, _ request: String) -> [String: Any] {
    let reply = service.reply(to: request)
    return (try? JSONSerialization.jsonObject(with: Data(reply))) as? [String: Any] ?? [:]
  }

  private func send(_ service: ChannelCastService, _ payload: String) -> [String: Any] {
    call(service, #"{"op":"sendMessage","officialAccountID":"@TOA#_news","payload":\#(payload)}"#)
  }

  private func errorOf(_ reply: [String: Any]) -> [String: Any]? {
    reply["error"] as? [String: Any]
  }

  @Test func aChannelOverItsSendRateIsRateLimitedWithTheTimeToWait() {
    let service = makeService {
      $0.channelSendRatePerSecond = 1
      $0.channelSendBurst = 2
    }
    #expect(send(service, "1")["ok"] as? Bool == true)
    #expect(send(service, "2")["ok"] as? Bool == true)
    let limited = errorOf(send(service, "3"))
    #expect(limited?["code"] as? String == "rate_limited")
    #expect((limited?["details"] as? [String: Any])?["retryAfterMs"] as? Int == 1000)
    clock.advance(milliseconds: 400)
    let later = errorOf(send(service, "3"))
    #expect((later?["details"] as? [String: Any])?["retryAfterMs"] as? Int == 600)
    clock.advance(milliseconds: 600)
    #expect(send(service, "3")["ok"] as? Bool == true)
  }

  @Test func theSamePayloadWithinTheWindowIsADuplicateNamingTheEarlierMessage() {
    let service = makeService { $0.duplicateWindowMs = 300_000 }
    let first = send(service, #"{"title":"Hello"}"#)["result"] as? [String: Any]
    let repeated = errorOf(send(service, #"{"title":"Hello"}"#))
    #expect(repeated?["code"] as? String == "duplicate")
    #expect(
      (repeated?["details"] as? [String: Any])?["msgKey"] as? String
        == first?["msgKey"] as? String)
    #expect(send(service, #"{"title":"Hello again"}"#)["ok"] as? Bool == true)
    clock.advance(milliseconds: 300_000)
    #expect(send(service, #"{"title":"Hello"}"#)["ok"] as? Bool == true)
  }

  @Test func withoutLimitsTheSamePayloadGoesOutAgainAtOnce() {
    let service = makeService { _ in }
    for _ in 0..<5 { #expect(send(service, "1")["ok"] as? Bool == true) }
  }

  @Test func aUserAtItsSubscriptionLimitCannotSubscribeToAnother() {
    let service = makeService { $0.maxSubscriptionsPerUser = 2 }
    for channel in ["@TOA#_a", "@TOA#_b", "@TOA#_c"] {
      _ = call(
        service,
        #"{"op":"createOfficialAccount","officialAccountID":"\#(channel)","ownerUserID":"o","officialAccountName":"N"}"#
      )
    }
    func subscribe(_ channel: String) -> [String: Any] {
      call(
        service,
        #"{"op":"subscribeOfficialAccount","officialAccountID":"\#(channel)","userID":"u"}"#)
    }
    #expect(subscribe("@TOA#_a")["ok"] as? Bool == true)
    #expect(subscribe("@TOA#_b")["ok"] as? Bool == true)
    #expect(subscribe("@TOA#_a")["ok"] as? Bool == true)  // a repeat is not a new one
    let refused = errorOf(subscribe("@TOA#_c"))
    #expect(refused?["code"] as? String == "limit_exceeded")
    #expect((refused?["details"] as? [String: Any])?["limit"] as? Int == 2)
  }
}
