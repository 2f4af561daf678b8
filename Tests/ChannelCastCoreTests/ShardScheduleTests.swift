import Testing

@testable import ChannelCastCore

@Suite struct ShardScheduleTests {
  private func job(_ recipients: Int, tag: String) -> FanOutJob {
    FanOutJob(
      recipients: .members(
        (0..<recipients).map { MemberEntry(user: UInt32($0), flag: .acceptAndNotify) }),
      envelopes: .everyone(SharedBytes(Array(tag.utf8))), mark: testMark)
  }

  private func tag(_ job: FanOutJob) -> String {
    String(decoding: job.envelopes[.acceptAndNotify]!.buffer, as: UTF8.self)
  }

  /// Serves until the schedule is empty; returns (call, tag, range) for every visit.
  private func drain(
    _ schedule: inout ShardSchedule, budget: Int = 512, quantum: Int, smallJob: Int = 0
  ) -> [(Int, String, Range<Int>)] {
    var visits: [(Int, String, Range<Int>)] = []
    var call = 0
    while !schedule.isEmpty {
      schedule.serve(budget: budget, quantum: quantum, smallJob: smallJob) { job, range in
        visits.append((call, tag(job), range))
      }
      call += 1
    }
    return visits
  }

  @Test func aSmallChannelIsServedInTheFirstCallBehindABigOne() {
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

  @Test func busyChannelsTakeTurnsOfAQuantum() {
    var schedule = ShardSchedule()
    schedule.enqueue(job(100, tag: "a"), channel: 1)
    schedule.enqueue(job(100, tag: "b"), channel: 1)
    schedule.enqueue(job(1000, tag: "c"), channel: 2)
    let visits = drain(&schedule, quantum: 150)
    // Consecutive visits to one channel make a turn; while both channels have work, each turn
    // is one quantum.
    var turns: [(channel: String, count: Int)] = []
    for (_, tag, range) in visits {
      let channel = tag == "c" ? "2" : "1"
      if turns.last?.channel == channel {
        turns[turns.count - 1].count += range.count
      } else {
        turns.append((channel, range.count))
      }
    }
    #expect(turns.count >= 3)
    #expect(turns[0] == ("1", 150) && turns[1] == ("2", 150) && turns[2] == ("1", 50))
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
    // Once the big job's rest is small, it is finished at the start of a call.
    #expect(visits.filter { $0.1 == "big" }.map(\.2.count).reduce(0, +) == 1000)
  }

  @Test func aCallServesItsBudgetOfLargeJobsHoweverManyChannelsAreBusy() {
    var schedule = ShardSchedule()
    for channel in 0..<50 {
      schedule.enqueue(job(10_000, tag: "big-\(channel)"), channel: UInt32(channel))
    }
    var served = 0
    schedule.serve(budget: 512, quantum: 128, smallJob: 512) { _, range in served += range.count }
    #expect(served == 512)
  }

  @Test func aSmallJobWaitsForOneCallWhileManyLargeBroadcastsAreUnderWay() {
    var schedule = ShardSchedule()
    for channel in 0..<50 {
      schedule.enqueue(job(10_000, tag: "big-\(channel)"), channel: UInt32(channel))
    }
    schedule.serve(budget: 512, quantum: 128, smallJob: 512) { _, _ in }
    schedule.enqueue(job(200, tag: "small"), channel: 99)
    var first: String?
    schedule.serve(budget: 512, quantum: 128, smallJob: 512) { job, _ in
      if first == nil { first = tag(job) }
    }
    #expect(first == "small")
  }

  @Test func theRoundRobinGoesOnWhereTheLastCallStopped() {
    var schedule = ShardSchedule()
    for channel in 1...3 {
      schedule.enqueue(job(1000, tag: "c\(channel)"), channel: UInt32(channel))
    }
    let order = drain(&schedule, budget: 100, quantum: 100).prefix(6).map(\.1)
    #expect(order == ["c1", "c2", "c3", "c1", "c2", "c3"])
  }
}
