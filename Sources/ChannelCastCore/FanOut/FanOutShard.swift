import Dispatch
import Synchronization

/// One serial queue of the fan-out. It owns the work for the users that hash to it, so each of
/// them sees every channel's deliveries in the order the command thread submitted them.
///
/// Jobs go into a `ShardSchedule` and are worked through a batch at a time, each batch a
/// separate work item on the queue, so that jobs submitted meanwhile are scheduled with the
/// next one.
final class FanOutShard: Sendable {
  /// How many deliveries one call to the sink carries, and how many recipients of large jobs a
  /// batch serves: large enough to amortize the sink's lock, small enough that shards interleave
  /// and that a new small job waits for little.
  static let batchSize = 512
  /// Recipients a busy channel gets at its turn, after the small jobs.
  static let quantum = 128
  /// A job with at most this many recipients left is finished at the start of a batch.
  static let smallJob = 512

  let number: Int
  private let queue: DispatchQueue
  private let directory: UserDirectory
  private let sink: any DeliverySink
  private let counters: FanOutCounters
  private let state: QueueBound<State>
  /// Deliveries submitted to this shard and not yet handed to the sink.
  let pendingDeliveries = Atomic<Int>(0)

  private struct State {
    var schedule = ShardSchedule()
    var roundScheduled = false
    var batch = Batch()
  }

  /// The deliveries being gathered for the sink, the jobs whose envelopes they point into
  /// (kept alive until the batch is handed over), and the broadcasts whose last job ends in it.
  private struct Batch {
    var deliveries: [Delivery] = []
    var jobs: [FanOutJob] = []
    var finishing: [BroadcastProgress] = []
  }

  init(number: Int, directory: UserDirectory, sink: any DeliverySink, counters: FanOutCounters) {
    self.number = number
    self.queue = DispatchQueue(label: "channelcast.fanout.shard-\(number)")
    self.directory = directory
    self.sink = sink
    self.counters = counters
    var initial = State()
    initial.batch.deliveries.reserveCapacity(Self.batchSize)
    self.state = QueueBound(initial, queue: queue)
  }

  /// Queues jobs, in order, each behind the earlier jobs of its channel.
  func submit(_ jobs: [PendingFanOut.ChannelJob]) {
    pendingDeliveries.add(jobs.reduce(0) { $0 + $1.job.count }, ordering: .relaxed)
    queue.async { [self] in
      let startRound = state.withValue { state in
        for pending in jobs { state.schedule.enqueue(pending.job, channel: pending.channel) }
        defer { state.roundScheduled = true }
        return !state.roundScheduled
      }
      if startRound { runRound() }
    }
  }

  /// Runs `body` on the shard's queue after everything submitted before it has been delivered.
  func afterPendingWork(_ body: @escaping @Sendable () -> Void) {
    queue.async { [self] in
      if pendingDeliveries.load(ordering: .relaxed) == 0 {
        body()
      } else {
        // Rounds still to run: look again after them.
        afterPendingWork(body)
      }
    }
  }

  /// Serves the small jobs and a batch's worth of large ones, hands them over, then yields the
  /// queue so that jobs submitted meanwhile are scheduled with the next batch.
  private func runRound() {
    counters.roundsRun.add(1, ordering: .relaxed)
    let moreWork = state.withValue { state in
      var batch = Batch()
      swap(&batch, &state.batch)  // keeps the batch's storage without sharing it
      state.schedule.serve(budget: Self.batchSize, quantum: Self.quantum, smallJob: Self.smallJob) {
        job, range in
        add(job, range, to: &batch)
      }
      flush(&batch)
      swap(&batch, &state.batch)
      state.roundScheduled = !state.schedule.isEmpty
      return state.roundScheduled
    }
    if moreWork {
      queue.async { [self] in runRound() }
    }
  }

  private func add(_ job: FanOutJob, _ range: Range<Int>, to batch: inout Batch) {
    batch.jobs.append(job)
    switch job.recipients {
    case .members(let members):
      for entry in members[range] {
        if let envelope = job.envelopes[entry.flag] {
          batch.deliveries.append(
            Delivery(topic: directory.topic(of: entry.user), envelope: envelope))
        }
        if batch.deliveries.count == Self.batchSize {
          flush(&batch)
          batch.jobs.append(job)  // the rest of this range still points into it
        }
      }
      pendingDeliveries.subtract(range.count, ordering: .relaxed)
      if range.upperBound == job.count, let progress = job.progress {
        batch.finishing.append(progress)
      }
    case .user(let user):
      if let envelope = job.envelopes[.acceptAndNotify] {
        batch.deliveries.append(
          Delivery(topic: directory.topic(of: user), envelope: envelope))
      }
      pendingDeliveries.subtract(1, ordering: .relaxed)
    }
  }

  /// Hands the batch to the sink, releases the jobs it pointed into, and reports the jobs it
  /// finished.
  private func flush(_ batch: inout Batch) {
    let attempted = batch.deliveries.count
    if attempted > 0 {
      let handed = batch.deliveries.withUnsafeBufferPointer { sink.deliver($0) }
      counters.deliveriesSent.add(UInt64(handed), ordering: .relaxed)
      counters.deliveriesDropped.add(UInt64(attempted - handed), ordering: .relaxed)
      batch.deliveries.removeAll(keepingCapacity: true)
    }
    batch.jobs.removeAll(keepingCapacity: true)
    for progress in batch.finishing { progress.jobFinished() }
    batch.finishing.removeAll(keepingCapacity: true)
  }
}
