import Testing

@testable import ChannelCastCore

@Suite struct ShardScheduleTests {
  private func job(_ recipients: Int, tag: String) -> FanOutJob {
    FanOutJob(
      recipients: .members(
        (0..<recipients).map { MemberEntry(user: UInt32($0), flag: .acceptAndNotify) }),
      envelopes: .everyone(SharedBytes(Array(tag.utf8))))
  }

  private func tag(_ job: FanOutJob) -> String {
    String(decoding: job.envelopes[.acceptAndNotify]!.buffer, as: UTF8.self)
  }

  /// Runs rounds until the schedule is empty; returns (round, tag, range) for every visit.
  private func drain(_ schedule: inout ShardSchedule, quantum: Int, smallJob: Int = 0)
    -> [(Int, String, Range<Int>)]
  {
    var visits: [(Int, String, Range<Int>)] = []
    var round = 0
    while !schedule.isEmpty {
      schedule.runRound(quantum: quantum, smallJob: smallJob) { job, range in
        visits.append((round, tag(job), range))
      }
      round += 1
    }
    return visits
  }

  @Test func aSmallChannelIsServedInTheFirstRoundBehindABigOne() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(10_000, tag: "big"), channel: 1)
    schedule.enqueue(job(3, tag: "small"), channel: 2)
    let visits = drain(&schedule, quantum: 256)
    #expect(visits[0].1 == "big" && visits[0].2 == 0..<256)
    #expect(visits[1].1 == "small" && visits[1].0 == 0 && visits[1].2 == 0..<3)
    #expect(visits.filter { $0.1 == "big" }.map(\.2.count).reduce(0, +) == 10_000)
  }

  @Test func jobsOfOneChannelNeverOvertakeEachOther() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(600, tag: "first"), channel: 7)
    schedule.enqueue(job(1, tag: "second"), channel: 7)
    schedule.enqueue(job(300, tag: "third"), channel: 7)
    let order = drain(&schedule, quantum: 256).map(\.1)
    let firstSecond = order.firstIndex(of: "second")!
    let firstThird = order.firstIndex(of: "third")!
    #expect(order.lastIndex(of: "first")! < firstSecond && firstSecond < firstThird)
  }

  @Test func aChannelGetsAtMostOneQuantumPerRound() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(100, tag: "a"), channel: 1)
    schedule.enqueue(job(100, tag: "b"), channel: 1)
    schedule.enqueue(job(1000, tag: "c"), channel: 2)
    var perRound: [Int: [String: Int]] = [:]
    for (round, tag, range) in drain(&schedule, quantum: 150) {
      perRound[round, default: [:]][tag == "c" ? "2" : "1", default: 0] += range.count
    }
    for (_, counts) in perRound {
      #expect(counts.values.allSatisfy { $0 <= 150 })
    }
    #expect(perRound[0]?["1"] == 150)  // all of a, then the start of b
  }

  @Test func smallJobsAreFinishedFirstBehindBigJobsOfOtherChannels() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(10_000, tag: "big-a"), channel: 1)
    schedule.enqueue(job(10_000, tag: "big-b"), channel: 2)
    schedule.enqueue(job(300, tag: "small"), channel: 3)
    let visits = drain(&schedule, quantum: 100, smallJob: 512)
    #expect(visits[0].1 == "small" && visits[0].2 == 0..<300)
  }

  @Test func aSmallJobNeverOvertakesABigJobOfItsOwnChannel() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(1000, tag: "big"), channel: 1)
    schedule.enqueue(job(5, tag: "small"), channel: 1)
    let visits = drain(&schedule, quantum: 100, smallJob: 512)
    let lastBig = visits.lastIndex { $0.1 == "big" }!
    let firstSmall = visits.firstIndex { $0.1 == "small" }!
    #expect(lastBig < firstSmall)
    // Once the big job's rest is small, it is finished at the start of a round.
    #expect(visits.filter { $0.1 == "big" }.map(\.2.count).reduce(0, +) == 1000)
  }
}
