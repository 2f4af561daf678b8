/// The order in which one shard works through its jobs: first come, first served within each
/// channel; across channels, small work first, then round-robin.
///
/// A job may overtake only jobs of other channels, so every user still sees each channel's
/// deliveries and events in the order they were submitted. Each round first finishes every
/// channel whose next job is small (at most `smallJob` recipients left: an event, a broadcast to
/// a small channel), then gives every other busy channel one `quantum`. A small broadcast
/// therefore waits at most one round, however many 100,000-subscriber broadcasts are under way,
/// and large broadcasts still advance every round.
struct ShardSchedule {
  /// One channel's jobs, oldest first, and how far the oldest has been delivered.
  private struct ChannelQueue {
    var jobs: [FanOutJob] = []
    var head = 0
    var position = 0

    var isEmpty: Bool { head == jobs.count }
    /// Recipients of the oldest job not yet delivered.
    var headRemaining: Int { jobs[head].count - position }

    mutating func append(_ job: FanOutJob) {
      if head > 0 && head * 2 >= jobs.count {
        jobs.removeFirst(head)
        head = 0
      }
      jobs.append(job)
    }

    /// Delivers from the oldest jobs, up to `budget` recipients.
    mutating func serve(budget: Int, _ visit: (FanOutJob, Range<Int>) -> Void) {
      var budget = budget
      while budget > 0 && !isEmpty {
        let job = jobs[head]
        let end = min(position + budget, job.count)
        visit(job, position..<end)
        budget -= end - position
        if end == job.count {
          head += 1
          position = 0
        } else {
          position = end
        }
      }
    }
  }

  private var queues: [UInt32: ChannelQueue] = [:]
  /// Channels with work, in the order they are served.
  private var rotation: [UInt32] = []

  var isEmpty: Bool { rotation.isEmpty }

  /// Adds a job behind the channel's earlier jobs.
  mutating func enqueue(_ job: FanOutJob, channel: UInt32) {
    if queues[channel] == nil {
      queues[channel] = ChannelQueue()
      rotation.append(channel)
    }
    queues[channel]!.append(job)
  }

  /// One round: every small head job in full, then up to `quantum` recipients for each channel
  /// still busy. `visit` gets each job and the range of its recipients to deliver now, in order.
  mutating func runRound(quantum: Int, smallJob: Int, _ visit: (FanOutJob, Range<Int>) -> Void) {
    for channel in rotation {
      while let queue = queues[channel], !queue.isEmpty, queue.headRemaining <= smallJob {
        queues[channel]!.serve(budget: queue.headRemaining, visit)
      }
    }
    var stillBusy: [UInt32] = []
    stillBusy.reserveCapacity(rotation.count)
    for channel in rotation {
      if !queues[channel]!.isEmpty { queues[channel]!.serve(budget: quantum, visit) }
      if queues[channel]!.isEmpty {
        queues[channel] = nil
      } else {
        stillBusy.append(channel)
      }
    }
    rotation = stillBusy
  }
}
