/// The order in which one shard works through its jobs: first come, first served within each
/// channel; across channels, small work first, then round-robin.
///
/// A job may overtake only jobs of other channels, so every user still sees each channel's
/// deliveries and events in the order they were submitted. Each call to `serve` first finishes
/// every channel whose next job is small (at most `smallJob` recipients left: an event, a
/// broadcast to a small channel), then goes on round-robin over the other busy channels, a
/// `quantum` each, from where the call before stopped, until it has served its `budget`. A small
/// job submitted meanwhile therefore waits for one budget's worth of deliveries at most, however
/// many large broadcasts are under way, and every large broadcast still advances in turn.
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

    /// Delivers from the oldest jobs, up to `budget` recipients; returns how many.
    mutating func serve(budget: Int, _ visit: (FanOutJob, Range<Int>) -> Void) -> Int {
      var served = 0
      while served < budget && !isEmpty {
        let job = jobs[head]
        let end = min(position + budget - served, job.count)
        visit(job, position..<end)
        served += end - position
        if end == job.count {
          head += 1
          position = 0
        } else {
          position = end
        }
      }
      return served
    }
  }

  private var queues: [UInt32: ChannelQueue] = [:]
  /// Channels with work, in the order they are served.
  private var rotation: [UInt32] = []
  /// The position in `rotation` where the round-robin over large jobs goes on.
  private var nextTurn = 0

  var isEmpty: Bool { rotation.isEmpty }

  /// Adds a job behind the channel's earlier jobs.
  mutating func enqueue(_ job: FanOutJob, channel: UInt32) {
    if queues[channel] == nil {
      queues[channel] = ChannelQueue()
      rotation.append(channel)
    }
    queues[channel]!.append(job)
  }

  /// Serves every small head job in full, then large ones a `quantum` at a time, round-robin,
  /// until `budget` recipients have been served or no work is left. `visit` gets each job and
  /// the range of its recipients to deliver now, in order.
  mutating func serve(
    budget: Int, quantum: Int, smallJob: Int, _ visit: (FanOutJob, Range<Int>) -> Void
  ) {
    var served = 0
    for channel in rotation {
      while let queue = queues[channel], !queue.isEmpty, queue.headRemaining <= smallJob {
        served += queues[channel]!.serve(budget: queue.headRemaining, visit)
      }
    }
    var turnsWithoutWork = 0
    while served < budget && turnsWithoutWork < rotation.count {
      if nextTurn >= rotation.count { nextTurn = 0 }
      let channel = rotation[nextTurn]
      nextTurn += 1
      guard !queues[channel]!.isEmpty else {
        turnsWithoutWork += 1
        continue
      }
      turnsWithoutWork = 0
      served += queues[channel]!.serve(budget: min(quantum, budget - served), visit)
    }
    removeIdleChannels()
  }

  /// Drops the channels whose queues are empty, keeping the others' order and the place of the
  /// next turn.
  private mutating func removeIdleChannels() {
    var kept = 0
    var next = nextTurn
    for position in rotation.indices {
      let channel = rotation[position]
      if queues[channel]!.isEmpty {
        queues[channel] = nil
        if position < nextTurn { next -= 1 }
      } else {
        rotation[kept] = channel
        kept += 1
      }
    }
    rotation.removeLast(rotation.count - kept)
    nextTurn = next
  }
}
