/// The order in which one shard works through its jobs: first come, first served within each
/// channel, round-robin across channels.
///
/// A job may overtake only jobs of other channels, so every user still sees each channel's
/// deliveries and events in the order they were submitted; but a small channel's broadcast no
/// longer waits behind a 100,000-subscriber one: it is served within one round.
struct ShardSchedule {
  /// One channel's jobs, oldest first, and how far the oldest has been delivered.
  private struct ChannelQueue {
    var jobs: [FanOutJob] = []
    var head = 0
    var position = 0

    var isEmpty: Bool { head == jobs.count }

    mutating func append(_ job: FanOutJob) {
      if head > 0 && head * 2 >= jobs.count {
        jobs.removeFirst(head)
        head = 0
      }
      jobs.append(job)
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

  /// Goes once around the channels with work, giving each up to `quantum` recipients: `visit`
  /// gets the job and the range of its recipients to deliver now, in order.
  mutating func runRound(quantum: Int, _ visit: (FanOutJob, Range<Int>) -> Void) {
    var stillBusy: [UInt32] = []
    stillBusy.reserveCapacity(rotation.count)
    for channel in rotation {
      var queue = queues.removeValue(forKey: channel)!
      var budget = quantum
      while budget > 0 && !queue.isEmpty {
        let job = queue.jobs[queue.head]
        let end = min(queue.position + budget, job.count)
        visit(job, queue.position..<end)
        budget -= end - queue.position
        if end == job.count {
          queue.head += 1
          queue.position = 0
        } else {
          queue.position = end
        }
      }
      if !queue.isEmpty {
        queues[channel] = queue
        stillBusy.append(channel)
      }
    }
    rotation = stillBusy
  }
}
